/**
 * The microphone: getUserMedia (echo cancellation on, so the agent's voice from the speakers is not heard as the
 * caller) → the capture worklet → 20 ms frames of 16 kHz PCM16 handed to `onFrame`.
 */

/**
 * @param {{ workletUrl: string | URL, onFrame: (frame: ArrayBuffer) => void }} options
 * @returns {Promise<{ setMuted: (muted: boolean) => void, stop: () => Promise<void>, sampleRate: number }>}
 */
export async function startCapture(options) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const context = new AudioContext();
  try {
    await context.audioWorklet.addModule(String(options.workletUrl));
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'rooman-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
    node.port.onmessage = (event) => options.onFrame(/** @type {ArrayBuffer} */ (event.data));
    source.connect(node);
    if (context.state === 'suspended') await context.resume();
    return {
      sampleRate: context.sampleRate,
      setMuted(muted) {
        node.port.postMessage({ muted });
      },
      async stop() {
        source.disconnect();
        node.port.onmessage = null;
        for (const track of stream.getTracks()) track.stop();
        await context.close();
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    await context.close();
    throw error;
  }
}
