import { readFileSync } from 'node:fs';
const samples: string[] = [];
let peak = 0;
setInterval(() => {
  const rss = Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024);
  const m = process.memoryUsage();
  if (rss > peak) { peak = rss; samples.push(`peak rss ${rss} heapTotal ${Math.round(m.heapTotal / 2 ** 20)} external ${Math.round(m.external / 2 ** 20)} at ${Math.round(performance.now())}`); }
}, 50).unref();
process.on('exit', () => console.log(samples.slice(-6).join('\n')));
