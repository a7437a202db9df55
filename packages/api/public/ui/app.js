import { initJobs, showJob } from "./jobs.js";
import { initSource } from "./source.js";
import { initSubmit, setInput } from "./submit.js";
import { initWorkers } from "./workers.js";

// The page's one entry point (docs/adr/0023-web-page.md): plain modules served as they are written, no build.
initSource(setInput);
initSubmit(showJob);
initJobs();
initWorkers();
