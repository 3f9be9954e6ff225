/**
 * The programs tuxnet ships, by name (what $PATH would find on a Linux host).
 * Each tool module exports its main; add one line per program.
 */
import type { ToolMain } from './tool.js';

export const programs = new Map<string, ToolMain>();
