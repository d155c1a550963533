/**
 * Built-in PII detectors, one kind each. Custom patterns from config (pii:<name>) live in
 * ../custom; both are enabled by `pii.enabled`.
 */
import type { Detector } from '../types';
import { creditCard } from './credit-card';
import { email } from './email';
import { iban } from './iban';
import { ipAddress } from './ip-address';
import { phone } from './phone';
import { usSsn } from './ssn';

export const PII_DETECTORS: readonly Detector[] = [email, phone, creditCard, iban, usSsn, ipAddress];
