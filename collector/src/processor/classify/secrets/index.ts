/** Built-in secret detectors, one kind each; all enabled by `secrets.enabled`. */
import type { Detector } from '../types';
import { anthropicApiKey } from './anthropic';
import { awsAccessKey } from './aws';
import { connectionString } from './connection-string';
import { githubToken } from './github';
import { jwt } from './jwt';
import { openaiApiKey } from './openai';
import { privateKey } from './private-key';
import { slackToken } from './slack';
import { stripeKey } from './stripe';

export const SECRET_DETECTORS: readonly Detector[] = [
  openaiApiKey,
  anthropicApiKey,
  awsAccessKey,
  githubToken,
  slackToken,
  stripeKey,
  jwt,
  privateKey,
  connectionString,
];
