using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data.Events;

/// <summary>How the events of a recording are split into T frames.</summary>
public enum FrameSplit
{
    /// <summary>By event number (SpikingJelly <c>split_by='number'</c>): with N events and <c>d = N / T</c> (integer division),
    /// frame i takes events <c>[i·d, (i+1)·d)</c> and the last frame also takes the remainder up to N.</summary>
    Number,
    /// <summary>By time (SpikingJelly <c>split_by='time'</c>): <c>dt = (t[N−1] − t[0]) / T</c> (integer floor); frame i takes
    /// events with <c>t[0] + i·dt ≤ t &lt; t[0] + (i+1)·dt</c>, the last frame every event from <c>t[0] + (T−1)·dt</c> to the end.</summary>
    Time,
    /// <summary>Fixed duration: frame i takes events with <c>t[0] + i·D ≤ t &lt; t[0] + (i+1)·D</c> for a given D in µs; events
    /// after <c>t[0] + T·D</c> are dropped (no remainder rule).</summary>
    Duration,
}

/// <summary>
/// A framing rule: <see cref="FrameSplit"/> and, for <see cref="FrameSplit.Duration"/>, the frame length in microseconds.
/// Written <c>number</c>, <c>time</c> or <c>duration:US</c> (e.g. <c>duration:30000</c>).
/// </summary>
public sealed record Framing(FrameSplit Split, long DurationUs = 0)
{
    /// <summary>Parses <c>number</c>, <c>time</c> or <c>duration:US</c>.</summary>
    /// <exception cref="ArgumentException">"frames: ..." for any other text.</exception>
    public static Framing Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "number") return new(FrameSplit.Number);
        if (text == "time") return new(FrameSplit.Time);
        if (text.StartsWith("duration:", StringComparison.Ordinal)
            && long.TryParse(text["duration:".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out long d) && d > 0)
            return new(FrameSplit.Duration, d);
        throw new ArgumentException($"frames: unknown '{text}' (use number, time or duration:US with US > 0 microseconds)");
    }

    /// <summary>The text <see cref="Parse"/> reads.</summary>
    public override string ToString() => Split switch
    {
        FrameSplit.Number => "number",
        FrameSplit.Time => "time",
        _ => $"duration:{DurationUs.ToString(CultureInfo.InvariantCulture)}",
    };
}

/// <summary>
/// Events to frames <c>[T, 2, H, W]</c>: channel 0 counts OFF events and channel 1 ON events, <c>frame[p, y, x] += 1</c>, as
/// SpikingJelly's <c>integrate_events_segment_to_frame</c> (a bincount over <c>p·H·W + y·W + x</c>); the T frames are cut by
/// one of the rules of <see cref="FrameSplit"/>. Tonic's <c>ToFrame</c> drops the tail instead of giving it to the last frame,
/// so its last frame differs; we match SpikingJelly.
/// </summary>
public static class EventFraming
{
    /// <summary>The first event index of each frame and one past the last: frame i is <c>[start[i], end[i])</c>.</summary>
    /// <param name="times">Timestamps in file order (sorted by time).</param>
    /// <param name="frames">T ≥ 1.</param>
    /// <param name="framing">The rule.</param>
    public static (int[] Start, int[] End) Segments(ReadOnlySpan<long> times, int frames, Framing framing)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        ArgumentNullException.ThrowIfNull(framing);
        int n = times.Length;
        var start = new int[frames];
        var end = new int[frames];
        if (n == 0) return (start, end);
        switch (framing.Split)
        {
            case FrameSplit.Number:
            {
                int d = n / frames;
                for (int i = 0; i < frames; i++) { start[i] = i * d; end[i] = (i + 1) * d; }
                end[frames - 1] = n;
                break;
            }
            default:
            {
                long t0 = times[0];
                long dt = framing.Split == FrameSplit.Time ? (times[n - 1] - t0) / frames : framing.DurationUs;
                int j = 0;
                for (int i = 0; i < frames; i++)
                {
                    long right = t0 + (i + 1) * dt;
                    start[i] = j;
                    bool last = i == frames - 1 && framing.Split == FrameSplit.Time;
                    while (j < n && (last || times[j] < right)) j++;
                    end[i] = j;
                }
                break;
            }
        }
        return (start, end);
    }

    /// <summary>The frames of one recording, <c>[T, 2, H, W]</c> flattened in row-major order (event counts).</summary>
    /// <exception cref="ArgumentException">An event outside the recording's sensor, or a polarity that is not 0 or 1.</exception>
    public static float[] Frame(EventRecording recording, int frames, Framing framing)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var ev = recording.Events;
        int h = recording.Height, w = recording.Width, plane = h * w;
        var times = new long[ev.Length];
        for (int i = 0; i < ev.Length; i++) times[i] = ev[i].T;
        var (start, end) = Segments(times, frames, framing);
        var result = new float[frames * 2 * plane];
        for (int f = 0; f < frames; f++)
            for (int i = start[f]; i < end[f]; i++)
            {
                var e = ev[i];
                if ((uint)e.X >= (uint)w || (uint)e.Y >= (uint)h || (uint)e.P > 1)
                    throw new ArgumentException($"event {i} ({e.X}, {e.Y}, p {e.P}) outside the {w}x{h} sensor");
                result[(f * 2 + e.P) * plane + e.Y * w + e.X] += 1;
            }
        return result;
    }

    /// <summary>
    /// Resizes frames <c>[..., H, W]</c> (any leading dimensions) to <c>size × size</c> with bilinear interpolation as torch's
    /// <c>interpolate(mode='bilinear', align_corners=False)</c>, on the float frames after framing (as SpikingJelly users do
    /// with <c>Resize(48)</c> for CIFAR10-DVS). The same size returns a copy.
    /// </summary>
    public static Tensor Resize(Tensor frames, int size)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        long h = frames.shape[^2], w = frames.shape[^1];
        if (h == size && w == size) return frames.clone();
        using var scope = NewDisposeScope();
        var lead = frames.shape[..^2];
        var flat = frames.reshape(-1, 1, h, w);
        var resized = nn.functional.interpolate(flat, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.reshape([.. lead, size, size]).MoveToOuterDisposeScope();
    }
}
