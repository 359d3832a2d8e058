import { parentPort } from 'node:worker_threads';
import { FeatureCache, featureSpec, type ModelData } from './classifier.js';
import { LanguageDetector, type DetectorCorpus, type DetectorCounts } from './language.js';
import { jobModel, jobTemperature, type LanguageJob } from './nlu.js';

/**
 * A training thread of the {@link TrainingPool}: runs one job part at a time and answers with the
 * temperature, the model's data or the language detector's counts (its typed arrays transferred, not copied).
 *
 * Featurised texts are kept per language and feature options from job to job: a reload changes a
 * few examples, so the next training featurises only those. The cache is dropped when it grows
 * past {@link CACHE_LIMIT} features, so edits over weeks do not grow it without bound.
 */
export type TrainingRequest =
  | { readonly id: number; readonly part: 'temperature' | 'model'; readonly job: LanguageJob }
  | { readonly id: number; readonly part: 'detector'; readonly corpus: DetectorCorpus };

export type TrainingResponse =
  | { readonly id: number; readonly temperature: number }
  | { readonly id: number; readonly model: ModelData }
  | { readonly id: number; readonly detector: DetectorCounts }
  | { readonly id: number; readonly error: string };

const CACHE_LIMIT = 2_000_000;
const caches = new Map<string, FeatureCache>();

function cacheFor(job: LanguageJob): FeatureCache {
  const key = JSON.stringify([job.language, featureSpec(job.classifier)]);
  let cache = caches.get(key);
  if (!cache || cache.size > CACHE_LIMIT) {
    cache = new FeatureCache(job.language, job.classifier);
    caches.set(key, cache);
  }
  return cache;
}

const port = parentPort;
if (!port) throw new Error('training-worker runs as a worker thread of the TrainingPool');
port.on('message', (request: TrainingRequest) => {
  try {
    if (request.part === 'detector') {
      port.postMessage({ id: request.id, detector: LanguageDetector.count(request.corpus) } satisfies TrainingResponse);
      return;
    }
    if (request.part === 'temperature') {
      port.postMessage({ id: request.id, temperature: jobTemperature(request.job, cacheFor(request.job)) } satisfies TrainingResponse);
      return;
    }
    const model = jobModel(request.job, cacheFor(request.job)).toData();
    port.postMessage({ id: request.id, model } satisfies TrainingResponse, [
      model.weights.buffer,
      model.bias.buffer,
      model.idf.buffer,
    ] as ArrayBuffer[]);
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies TrainingResponse);
  }
});
