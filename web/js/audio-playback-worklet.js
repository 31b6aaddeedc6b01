/**
 * The agent's voice: a queue of PCM chunks played in order, emptied at once on `clear` (barge-in). Reports how many
 * samples really reached the speaker since the last clear (underruns are not counted), about every 100 ms, with the
 * number of the clear it counts from: a report already on its way when a clear is sent is recognisably stale.
 */
class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.offset = 0;
    this.played = 0;
    this.sinceReport = 0;
    this.generation = 0;
    this.port.onmessage = (event) => {
      const data = event.data;
      if (data instanceof Float32Array) this.queue.push(data);
      else if (data?.clear) {
        this.queue = [];
        this.offset = 0;
        this.played = 0;
        this.generation = data.generation ?? this.generation + 1;
        this.port.postMessage({ played: 0, idle: true, generation: this.generation });
      }
    };
  }

  process(_inputs, outputs) {
    const out = outputs[0]?.[0];
    if (!out) return true;
    let written = 0;
    while (written < out.length && this.queue.length > 0) {
      const chunk = this.queue[0];
      const n = Math.min(out.length - written, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + n), written);
      written += n;
      this.offset += n;
      if (this.offset >= chunk.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    out.fill(0, written);
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.played += written;
    this.sinceReport += out.length;
    if (written > 0 && (this.sinceReport >= sampleRate / 10 || this.queue.length === 0)) {
      this.sinceReport = 0;
      this.port.postMessage({
        played: this.played,
        idle: this.queue.length === 0,
        generation: this.generation,
      });
    }
    return true;
  }
}

registerProcessor('rooman-playback', PlaybackProcessor);
