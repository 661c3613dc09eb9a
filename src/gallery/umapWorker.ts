// The UMAP worker thread's entry point: fits the layout of the sample in workerData and posts the coordinates back.
import { parentPort, workerData } from 'node:worker_threads';
import { fitUmap, type UmapJob } from './umapLayout.js';

const layout = fitUmap(workerData as UmapJob);
parentPort!.postMessage(layout, [layout.buffer as ArrayBuffer]);
