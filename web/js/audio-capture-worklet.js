/**
 * Microphone → 16 kHz PCM16 in 20 ms frames (320 samples), in the audio thread. The context runs at the device
 * rate (48 kHz usually, 44.1 kHz on some machines), so this low-passes below 8 kHz and resamples with a windowed
 * sinc (64 sub-sample phases, 16 taps a side): no aliasing hiss for the recognizer, any input rate.
 *
 * Muted, it still posts frames, of silence: the server's turn-taking needs line time to keep passing.
 */
const OUT_RATE = 16000;
const FRAME = 320;
const HALF = 16;
const PHASES = 64;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / OUT_RATE;
    // Cut-off a little under the output's Nyquist, in cycles per input sample.
    const fc = (0.46 * OUT_RATE) / sampleRate;
    this.table = new Float32Array(PHASES * 2 * HALF);
    for (let p = 0; p < PHASES; p++) {
      let sum = 0;
      for (let k = 0; k < 2 * HALF; k++) {
        const d = k - HALF + 1 - p / PHASES;
        const x = 2 * fc * d;
        const sinc = d === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / HALF) + 0.08 * Math.cos((2 * Math.PI * d) / HALF);
        const h = Math.abs(d) >= HALF ? 0 : 2 * fc * sinc * w;
        this.table[p * 2 * HALF + k] = h;
        sum += h;
      }
      for (let k = 0; k < 2 * HALF; k++) this.table[p * 2 * HALF + k] /= sum || 1;
    }
    this.buffer = new Float32Array(8192);
    this.length = 0;
    this.position = HALF; // next output's position in the buffer, in input samples
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
    this.muted = false;
    this.port.onmessage = (event) => {
      if (event.data && typeof event.data.muted === 'boolean') this.muted = event.data.muted;
    };
  }

  process(inputs) {
    const input = inputs[0]?.[0];
    if (!input) return true;
    if (this.length + input.length > this.buffer.length) {
      const bigger = new Float32Array(this.buffer.length * 2);
      bigger.set(this.buffer.subarray(0, this.length));
      this.buffer = bigger;
    }
    this.buffer.set(input, this.length);
    this.length += input.length;

    while (this.position + HALF < this.length) {
      const base = Math.floor(this.position);
      const phase = Math.min(PHASES - 1, Math.round((this.position - base) * PHASES));
      const taps = phase * 2 * HALF;
      let acc = 0;
      for (let k = 0; k < 2 * HALF; k++) acc += this.table[taps + k] * this.buffer[base - HALF + 1 + k];
      const s = this.muted ? 0 : Math.max(-1, Math.min(1, acc));
      this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === FRAME) {
        const out = this.frame.slice().buffer;
        this.port.postMessage(out, [out]);
        this.filled = 0;
      }
      this.position += this.ratio;
    }
    // Keep the history the filter still needs.
    const keepFrom = Math.max(0, Math.floor(this.position) - HALF);
    this.buffer.copyWithin(0, keepFrom, this.length);
    this.length -= keepFrom;
    this.position -= keepFrom;
    return true;
  }
}

registerProcessor('rooman-capture', CaptureProcessor);
