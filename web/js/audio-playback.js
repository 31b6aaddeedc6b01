/**
 * The agent's voice in the browser: 24 kHz PCM16 from the server into an AudioContext running at 24 kHz (the
 * browser resamples to the device), through the playback worklet's queue. `clear()` silences it at once.
 */

const RATE = 24000;

/**
 * @param {{ workletUrl: string | URL, onPlayed: (ms: number, idle: boolean) => void }} options
 */
export async function startPlayback(options) {
  const context = new AudioContext({ sampleRate: RATE, latencyHint: 'interactive' });
  await context.audioWorklet.addModule(String(options.workletUrl));
  const node = new AudioWorkletNode(context, 'rooman-playback', {
    numberOfInputs: 0,
    outputChannelCount: [1],
  });
  node.connect(context.destination);
  // Clears sent so far: a report the worklet sent before it saw the latest clear counts audio that was dropped.
  let generation = 0;
  node.port.onmessage = (event) => {
    const report = /** @type {{ played: number, idle: boolean, generation: number }} */ (event.data);
    if (report.generation !== generation) return;
    options.onPlayed((report.played * 1000) / RATE, report.idle);
  };
  if (context.state === 'suspended') await context.resume();
  return {
    /** @param {ArrayBuffer} pcm little-endian PCM16 at 24 kHz */
    push(pcm) {
      const view = new DataView(pcm);
      const samples = new Float32Array(pcm.byteLength >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 0x8000;
      node.port.postMessage(samples, [samples.buffer]);
    },
    clear() {
      generation++;
      node.port.postMessage({ clear: true, generation });
    },
    async stop() {
      node.disconnect();
      await context.close();
    },
  };
}
