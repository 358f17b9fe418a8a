using SpikeKit.Data.Events;

namespace SpikeKit.Tests.Data.Events;

public class EventSimulatorTests
{
    [Fact]
    public void ASinglePixelSweptOnceGivesTheHandComputedEvents()
    {
        // 1×1 image of intensity 1, margin 1 (a 3×3 sensor), one step per saccade. At the start the image sits at (0, 0); after
        // the first saccade at (2, 1). Pixel (0, 0) goes from ln(1 + 0.1) to ln(0.1) and pixel (2, 1) the other way:
        // |Δ| = ln 11 = 2.398, so n = floor(2.398 / 0.25) = 9 events each, at 100 000·j/9 µs (j = 1..9), OFF at (0, 0)
        // and ON at (2, 1); at equal times pixel (0, 0) (index 0) comes before (2, 1) (index 5).
        var sim = new EventSimulator(Margin: 1, StepsPerSaccade: 1);
        var rec = sim.Record([1f], 1, 1);
        Assert.Equal((3, 3), (rec.Width, rec.Height));
        var expected = Enumerable.Range(1, 9).SelectMany(j => new[] { new Event(100_000L * j / 9, 0, 0, 0), new Event(100_000L * j / 9, 2, 1, 1) });
        Assert.Equal(expected, rec.Events.Take(18));
        Assert.All(rec.Events.Skip(18), e => Assert.True(e.T > 100_000));
        Assert.True(rec.Events.Zip(rec.Events.Skip(1)).All(p => p.First.T <= p.Second.T), "events sorted by time");
    }

    [Fact]
    public void ItIsDeterministicAndGivesNMnistsSensorForMnistSizedImages()
    {
        var image = Enumerable.Range(0, 28 * 28).Select(i => (i % 28 > 8 && i % 28 < 20 && i / 28 > 5 && i / 28 < 22) ? 0.9f : 0f).ToArray();
        var a = new EventSimulator().Record(image, 28, 28);
        var b = new EventSimulator().Record(image, 28, 28);
        Assert.Equal((34, 34), (a.Width, a.Height));
        Assert.Equal(a.Events, b.Events);
        Assert.True(a.Count > 100, $"{a.Count} events");
        Assert.Contains(a.Events, e => e.P == 1);
        Assert.Contains(a.Events, e => e.P == 0);
        Assert.True(a.Events[^1].T <= 300_000);
        Assert.Empty(new EventSimulator().Record(new float[28 * 28], 28, 28).Events);
    }
}
