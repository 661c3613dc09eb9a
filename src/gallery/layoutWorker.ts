// The map layout worker thread's entry point: places the sample in workerData and posts the coordinates back.
import { parentPort, workerData } from 'node:worker_threads';
import { fitLayout, type LayoutJob } from './mapLayout.js';

const placed = fitLayout(workerData as LayoutJob);
parentPort!.postMessage(placed, [placed.coordinates.buffer as ArrayBuffer]);
