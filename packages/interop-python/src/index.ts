export {
  type PyAnswer,
  type PyCall,
  type PyCommand,
  type PyResult,
  type PyStore,
  requireVenv,
  resultsOf,
  runPyKeyValue,
  SETUP_COMMAND,
  VENV,
} from "./py-key-value.ts";
