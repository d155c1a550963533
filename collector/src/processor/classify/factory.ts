import { ConfigError } from '../../config/errors';
import type { Processor, ProcessorFactory, RecordBatch } from '../../component/component';
import { documentStrings, rewriteStrings } from '../../model/content';
import { CONTENT_FIELDS, type AuditRecord, type ContentField } from '../../model/record';
import { KindsMemo } from './memo';
import { createClassifier, type ClassifyConfig, type Classifier } from '.';
import { PatternError } from './custom';
import configSchema from './config.schema.json';

/** The fields a service sends unchanged from call to call: system instructions and tool definitions. */
const REPEATED: ReadonlySet<ContentField> = new Set<ContentField>(['system', 'tools']);
/** Distinct system prompts and tool sets remembered (a digest and a few kinds each). */
const MEMO_ENTRIES = 1024;

/**
 * The classify processor: PII, secrets and prompt-injection phrasing found in a record's
 * content become its `violations` (kinds only, never values); with redaction on, the
 * selected findings are replaced in the content before it is hashed and sealed. Detectors
 * see the strings of the content, never the JSON around them.
 */
export class ClassifyProcessor implements Processor {
  private readonly classifier: Classifier;
  private readonly memo = new KindsMemo(MEMO_ENTRIES);

  constructor(private readonly config: ClassifyConfig) {
    this.classifier = createClassifier(config);
  }

  process(batch: RecordBatch): void {
    for (const record of batch.records) {
      if (this.config.redact.enabled) this.redact(record);
      else this.detect(record);
    }
  }

  /**
   * One scan per document: its strings joined by line breaks, so a phrase split across two
   * parts of a message still counts (docs/architecture.md, "Content as structure"). The
   * documents a service repeats on every call are scanned once per distinct text.
   */
  private detect(record: AuditRecord): void {
    const kinds: string[] = [];
    for (const field of CONTENT_FIELDS) {
      const document = record.content[field];
      if (document === undefined) continue;
      const scan = () => this.classifier.violations([documentStrings(document).join('\n')]);
      kinds.push(
        ...(REPEATED.has(field) && document.kind === 'received' ? this.memo.kinds(document.text, scan) : scan()),
      );
    }
    if (kinds.length > 0) record.violations = mergeSorted(record.violations, kinds);
  }

  /** Each string scanned and redacted on its own, so a replacement never spans two of them. */
  private redact(record: AuditRecord): void {
    const kinds = new Set(record.violations);
    for (const field of CONTENT_FIELDS) {
      const document = record.content[field];
      if (document === undefined) continue;
      record.content[field] = rewriteStrings(document, (text) => {
        const findings = this.classifier.scan(text);
        for (const finding of findings) kinds.add(finding.kind);
        return findings.length === 0 ? text : this.classifier.redact(text, findings);
      });
    }
    record.violations = [...kinds].sort();
  }
}

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
  create: (config) => new ClassifyProcessor(config as ClassifyConfig),
};

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
