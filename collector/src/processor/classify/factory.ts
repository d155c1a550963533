import { ConfigError } from '../../config/errors';
import type { ProcessorFactory } from '../../component/component';
import { CONTENT_FIELDS } from '../../model/record';
import { createClassifier, type ClassifyConfig } from '.';
import configSchema from './config.schema.json';

/**
 * The classify processor: PII, secrets and prompt-injection phrasing found in a record's
 * content become its `violations` (kinds only, never values); with redaction on, the
 * selected findings are replaced in the content before it is hashed and sealed.
 */
export const classifyProcessorFactory: ProcessorFactory = {
  type: 'classify',
  configSchema,
  create(config, context) {
    const settings = config as ClassifyConfig;
    let classifier;
    try {
      classifier = createClassifier(settings);
    } catch (error) {
      throw new ConfigError(`processors.${context.id}`, String((error as Error).message));
    }
    return {
      process(batch) {
        for (const record of batch.records) {
          const { content } = record;
          if (!settings.redact.enabled) {
            const texts = CONTENT_FIELDS.map((field) => content[field]).filter((text): text is string => text !== undefined);
            if (texts.length > 0) record.violations = mergeSorted(record.violations, classifier.violations(texts));
            continue;
          }
          const kinds = new Set(record.violations);
          for (const field of CONTENT_FIELDS) {
            const text = content[field];
            if (text === undefined) continue;
            const findings = classifier.scan(text);
            for (const finding of findings) kinds.add(finding.kind);
            content[field] = classifier.redact(text, findings);
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
