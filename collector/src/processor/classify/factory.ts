import { ConfigError } from '../../config/errors';
import type { ProcessorFactory } from '../../component/component';
import { documentStrings, rewriteStrings } from '../../model/content';
import { CONTENT_FIELDS } from '../../model/record';
import { createClassifier, type ClassifyConfig } from '.';
import { PatternError } from './custom';
import configSchema from './config.schema.json';

/**
 * The classify processor: PII, secrets and prompt-injection phrasing found in a record's
 * content become its `violations` (kinds only, never values); with redaction on, the
 * selected findings are replaced in the content before it is hashed and sealed.
 */
export const classifyProcessorFactory: ProcessorFactory = {
  type: 'classify',
  configSchema,
  // The schema checks the shape; what it cannot (repeated names, patterns the linear-time
  // matcher refuses) is found by building the classifier, at load.
  validate(config, path) {
    try {
      createClassifier(config as ClassifyConfig);
    } catch (error) {
      if (error instanceof PatternError) throw new ConfigError(path, error.message);
      throw error;
    }
  },
  create(config) {
    const settings = config as ClassifyConfig;
    const classifier = createClassifier(settings);
    return {
      process(batch) {
        for (const record of batch.records) {
          const documents = CONTENT_FIELDS.map((field) => record.content[field]).filter(
            (document) => document !== undefined,
          );
          if (documents.length === 0) continue;
          // Detectors see the strings of the content, never the JSON around them.
          if (!settings.redact.enabled) {
            // One scan per document: its strings joined by line breaks, which no detector reads across.
            record.violations = mergeSorted(
              record.violations,
              classifier.violations(documents.map((document) => documentStrings(document).join('\n'))),
            );
            continue;
          }
          const kinds = new Set(record.violations);
          for (const field of CONTENT_FIELDS) {
            const document = record.content[field];
            if (document === undefined) continue;
            record.content[field] = rewriteStrings(document, (text) => {
              const findings = classifier.scan(text);
              for (const finding of findings) kinds.add(finding.kind);
              return findings.length === 0 ? text : classifier.redact(text, findings);
            });
          }
          record.violations = [...kinds].sort();
        }
      },
    };
  },
};

function mergeSorted(a: string[], b: string[]): string[] {
  return a.length === 0 ? b : [...new Set([...a, ...b])].sort();
}
