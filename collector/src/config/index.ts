export { ConfigError } from './errors';
export { loadConfig, parseConfigText, resolveConfigPath } from './load';
export * from './types';
export { formatDuration, formatSize, parseDuration, parseSize } from './units';
