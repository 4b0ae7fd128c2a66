// Daemon heartbeats, capabilities, time events, probe answers and user schedules.
export { Automation, type AutomationInfo, type AutomationJobStatus, type AutomationOptions, type AutomationStatus } from './automation.js';
export { timeEventsDue } from './time-events.js';
export { serverIpv4Addresses } from './addresses.js';
