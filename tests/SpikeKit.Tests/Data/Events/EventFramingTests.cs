using SpikeKit.Data.Events;
using SpikeKit.Native;
using TorchSharp;

namespace SpikeKit.Tests.Data.Events;

public class EventFramingTests
{
    public EventFramingTests() => TorchNative.EnsureLoaded();

    // A 3-wide, 2-high sensor (width ≠ height catches a transpose). Events (t, x, y, p), sorted by t.
    static readonly EventRecording Seven = new(
    [
        new(0, 0, 0, 1), new(10, 2, 1, 0), new(20, 1, 0, 1), new(30, 1, 0, 1), new(35, 0, 1, 0), new(60, 2, 0, 1), new(90, 2, 0, 1),
    ], 3, 2);

    /// <summary>Frames [T, 2, H=2, W=3] with the given (frame, polarity, y, x) = count entries, zero elsewhere.</summary>
    static float[] Expected(int frames, params (int F, int P, int Y, int X, float Count)[] entries)
    {
        var e = new float[frames * 2 * 6];
        foreach (var (f, p, y, x, c) in entries) e[(f * 2 + p) * 6 + y * 3 + x] = c;
        return e;
    }

    [Fact]
    public void ByNumberTheLastFrameTakesTheRemainder()
    {
        // N = 7, T = 3: d = 2; frames [0, 2), [2, 4), [4, 7).
        var frames = EventFraming.Frame(Seven, 3, new Framing(FrameSplit.Number));
        Assert.Equal(Expected(3, (0, 1, 0, 0, 1), (0, 0, 1, 2, 1), (1, 1, 0, 1, 2), (2, 0, 1, 0, 1), (2, 1, 0, 2, 2)), frames);
        var (start, end) = EventFraming.Segments(Seven.Events.Select(e => e.T).ToArray(), 3, new Framing(FrameSplit.Number));
        Assert.Equal(new[] { 0, 2, 4 }, start);
        Assert.Equal(new[] { 2, 4, 7 }, end);
    }

    [Fact]
    public void ByNumberWithFewerEventsThanFramesPutsThemAllInTheLastFrame()
    {
        var two = new EventRecording(Seven.Events[..2], 3, 2);
        Assert.Equal(Expected(3, (2, 1, 0, 0, 1), (2, 0, 1, 2, 1)), EventFraming.Frame(two, 3, new Framing(FrameSplit.Number)));
    }

    [Fact]
    public void ByTimeFramesAreEqualWindowsFromTheFirstTimestamp()
    {
        // dt = (90 − 0) / 3 = 30: [0, 30) = events 0-2, [30, 60) = 3-4, [60, end] = 5-6.
        var frames = EventFraming.Frame(Seven, 3, new Framing(FrameSplit.Time));
        Assert.Equal(Expected(3, (0, 1, 0, 0, 1), (0, 0, 1, 2, 1), (0, 1, 0, 1, 1), (1, 1, 0, 1, 1), (1, 0, 1, 0, 1), (2, 1, 0, 2, 2)), frames);
    }

    [Fact]
    public void ByTimeTheLastFrameTakesEventsPastItsWindow()
    {
        // T = 4: dt = floor(90 / 4) = 22: [0, 22) = 0-2, [22, 44) = 3-4, [44, 66) = 5, last from 66 on = 6 (t = 90 ≥ 4·22 = 88:
        // outside its nominal window [66, 88), kept by the remainder rule).
        var frames = EventFraming.Frame(Seven, 4, new Framing(FrameSplit.Time));
        Assert.Equal(Expected(4, (0, 1, 0, 0, 1), (0, 0, 1, 2, 1), (0, 1, 0, 1, 1), (1, 1, 0, 1, 1), (1, 0, 1, 0, 1), (2, 1, 0, 2, 1), (3, 1, 0, 2, 1)), frames);
    }

    [Fact]
    public void FixedDurationDropsEventsAfterTheLastFrame()
    {
        // D = 25 µs: [0, 25) = 0-2, [25, 50) = 3-4, [50, 75) = 5; event 6 (t = 90) is dropped.
        var frames = EventFraming.Frame(Seven, 3, Framing.Parse("duration:25"));
        Assert.Equal(Expected(3, (0, 1, 0, 0, 1), (0, 0, 1, 2, 1), (0, 1, 0, 1, 1), (1, 1, 0, 1, 1), (1, 0, 1, 0, 1), (2, 1, 0, 2, 1)), frames);
    }

    [Fact]
    public void FramingParsesItsThreeModesAndRefusesOthers()
    {
        Assert.Equal(new Framing(FrameSplit.Number), Framing.Parse("number"));
        Assert.Equal(new Framing(FrameSplit.Time), Framing.Parse("time"));
        Assert.Equal(new Framing(FrameSplit.Duration, 30000), Framing.Parse("duration:30000"));
        Assert.Equal("duration:30000", Framing.Parse("duration:30000").ToString());
        Assert.StartsWith("frames: unknown 'duration:0'", Assert.Throws<ArgumentException>(() => Framing.Parse("duration:0")).Message);
        Assert.Throws<ArgumentException>(() => Framing.Parse("count"));
    }

    [Fact]
    public void ResizeIsBilinearWithoutAlignedCorners()
    {
        // 1-D [0, 1] to 4 samples at source positions (i + ½)/2 − ½ = −¼, ¼, ¾, 1¼, clamped: weights 0, ¼, ¾, 1.
        // 2-D input [[0, 1], [2, 3]] = column weight + 2·row weight.
        using var input = torch.tensor(new float[] { 0, 1, 2, 3 }, new long[] { 1, 1, 2, 2 });
        using var output = EventFraming.Resize(input, 4);
        Assert.Equal(new long[] { 1, 1, 4, 4 }, output.shape);
        float[] w = [0, 0.25f, 0.75f, 1];
        var values = output.data<float>().ToArray();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(w[j] + 2 * w[i], values[i * 4 + j], 5);
        using var big = torch.ones(10, 2, 128, 128);
        using var small = EventFraming.Resize(big, 48);
        Assert.Equal(new long[] { 10, 2, 48, 48 }, small.shape);
        Assert.Equal(1f, small.mean().item<float>(), 5);
    }
}
