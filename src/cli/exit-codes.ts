/** Exit codes of every shtoom command (they live at the bottom, with the errors, so every layer names them). */
export { ExitCode, type ExitCodeValue } from '../exit-codes.js';
