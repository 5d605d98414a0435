import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
const bytes = readFileSync('resources/models/mnist-mlp.onnx');
try { const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cuda'] }); console.log('created', s.inputNames); } catch (e) { console.log('ERR', e.message); }
try { const s = await ort.InferenceSession.create(bytes, { executionProviders: [{name:'cuda'}, 'cpu'] }); console.log('created2', s.inputNames); } catch (e) { console.log('ERR2', e.message); }
