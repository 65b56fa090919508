/**
 * Preloaded (`node --require`) into the processes the end-to-end tests start,
 * so that none outlives the test process, however that one ends.
 *
 * Their stdin is a pipe from the test process, which never writes to it and
 * closes it once the process has exited. A small watcher (`sh`: `cat` until
 * end of file) shares that stdin: end of file while this process still runs
 * means the test process is gone without having stopped it, and the watcher
 * kills it. Being a separate process, it works even when this one's main
 * thread is stuck (the service's pino logger retries forever once nobody reads
 * its stdout), and it never delays this process's own exit.
 * It changes nothing else: the service and the FHIR server never read stdin.
 */
'use strict';
const { spawn } = require('node:child_process');

spawn('/bin/sh', ['-c', 'cat >/dev/null 2>&1; kill -KILL "$1" 2>/dev/null', 'exit-with-parent', String(process.pid)], {
  stdio: [0, 'ignore', 'ignore'],
}).unref();
