/**
 * The IVR test harness (`shtoom/harness`): scenarios in YAML or TypeScript,
 * one engine, a call port on real calls (`PhonePort`) and an in-memory IVR
 * simulator in virtual time, IVR scripts as doug apps, and TAP, JUnit, JSON
 * and HTML reports.
 */
export type * from './call-port.js';
export { scenario, ScenarioBuilder, type ScenarioOptions, type StepOptions } from './scenario/builder.js';
export { parseScenario, type ParseSource } from './scenario/parse.js';
export { parseScenarioYaml, loadScenarioFile, loadScenarios } from './scenario/yaml.js';
export type * from './scenario/types.js';
export { DEFAULT_SETTINGS, DEFAULT_SCENARIO_TIMEOUT_MS } from './scenario/types.js';
export { runScenario } from './engine/runner.js';
export type { EngineEnv, StepApi, Prompt } from './engine/context.js';
export type * from './engine/results.js';
export { CallMonitor, type ReceivedDigit } from './engine/call-monitor.js';
export { runSuite, type SuiteOptions } from './load/run-suite.js';
export { loadSummary, formatLoadSummary, type LoadSummary, type LatencyStats } from './load/load-summary.js';
export { tapReport, tapPoint } from './report/tap.js';
export { junitReport } from './report/junit.js';
export { jsonReport } from './report/json.js';
export { htmlReport, writeHtmlReport } from './report/html.js';
export { writeClips, type ClipFiles } from './report/clips.js';
export { stepLine, stepLines } from './report/step-text.js';
export { matchReference, type MatchResult, type MatchOptions } from './match/reference-matcher.js';
export { spectralFeatures } from './match/spectral-features.js';
export { VirtualTime, VirtualTimeDeadlock } from './virtual-time.js';
export { IvrSimulator, type IvrSimulatorOptions } from './sim/ivr-simulator.js';
export { demoIvr, DEMO_PROMPTS, type DemoIvrOptions } from './sim/demo-ivr.js';
export { FarEndHangup, type IvrFarEnd, type IvrScript, type CollectOptions } from './sim/far-end.js';
export { PcmSource, CadencedToneSource, type CadencedToneOptions } from './pcm-source.js';
export { readAudioFile } from './audio-file.js';
export { PhonePort, accountUserAgent, type PhonePortOptions } from './phone/phone-port.js';
export { dougApp, type DougAppOptions } from './phone/voice-call-far-end.js';
export { limitedRecogniser } from './engine/limited-recogniser.js';
export { ScenarioFileError, ScenarioError, StepFailure, ScenarioTimeout, CallPortError } from './errors.js';
