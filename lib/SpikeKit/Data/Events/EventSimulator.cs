namespace SpikeKit.Data.Events;

/// <summary>
/// A simulated event camera that records a static image the way N-MNIST was recorded (Orchard et al., Frontiers in
/// Neuroscience 2015: an ATIS sensor on a pan-tilt unit made three short saccades in a triangle in front of a screen showing
/// the digit). <b>This is a simulation, not a recording</b>: it gives event data of the right shape and statistics for
/// CPU-scale experiments where no real event data can be downloaded; accuracies on it say nothing about real sensors.
/// </summary>
/// <remarks>
/// <para>Scene: the image (the mean over its channels, pixel values in [0, 1]) on a black background. The sensor is
/// <c>(H + 2·<see cref="Margin"/>) × (W + 2·Margin)</c> pixels (28×28 images give N-MNIST's 34×34); the image's top-left corner
/// moves along the triangle (0, 0) → (2·Margin, Margin) → (0, 2·Margin) → (0, 0) (x, y in pixels, relative to the sensor's
/// top-left), one saccade per side, each <see cref="SaccadeUs"/> µs long, sampled at <see cref="StepsPerSaccade"/> steps.
/// The intensity seen by a sensor pixel at each step is the bilinear sample of the shifted image.</para>
/// <para>Events: each pixel keeps a reference log intensity <c>L_ref</c> (set from the first sample), with
/// <c>L = ln(I + ε)</c>. After each step, when <c>|L − L_ref| ≥ C</c> the pixel emits <c>n = floor(|L − L_ref| / C)</c>
/// events of polarity 1 (ON, brighter) or 0 (OFF, darker) and moves <c>L_ref</c> by <c>n·C</c> toward <c>L</c> (the DVS pixel
/// model, Lichtsteiner et al. 2008, without noise or refractory period). The k-th of n events of a step from time
/// <c>t_a</c> to <c>t_b</c> gets <c>t_a + (t_b − t_a)·k / n</c> (k = 1..n, truncated to whole µs); events are sorted by time,
/// ties by pixel row-major order. No randomness: the same image always gives the same events.</para>
/// </remarks>
/// <param name="Threshold">Contrast threshold C (log units).</param>
/// <param name="Epsilon">ε added to intensities before the logarithm.</param>
/// <param name="Margin">Pixels added on each side of the image.</param>
/// <param name="SaccadeUs">Length of one saccade in µs (N-MNIST: about 100 ms).</param>
/// <param name="StepsPerSaccade">Time steps of the simulation per saccade.</param>
public sealed record EventSimulator(double Threshold = 0.25, double Epsilon = 0.1, int Margin = 3, long SaccadeUs = 100_000, int StepsPerSaccade = 20)
{
    /// <summary>Version of the simulation rules; part of the frame cache's key.</summary>
    public const int Version = 1;

    /// <summary>Simulates one image given as intensities in [0, 1], row-major <c>[height, width]</c>.</summary>
    public EventRecording Record(ReadOnlySpan<float> image, int height, int width)
    {
        if (image.Length != height * width) throw new ArgumentException($"simulator: {image.Length} pixels for a {height}x{width} image");
        if (!(Threshold > 0) || !(Epsilon > 0) || Margin < 0 || SaccadeUs < 1 || StepsPerSaccade < 1)
            throw new ArgumentException("simulator: threshold and epsilon must be > 0, margin >= 0, saccade and steps >= 1");
        int sh = height + 2 * Margin, sw = width + 2 * Margin;
        (double X, double Y)[] corners = [(0, 0), (2.0 * Margin, Margin), (0, 2.0 * Margin), (0, 0)];
        var reference = new double[sh * sw];
        var current = new double[sh * sw];
        Sample(image, height, width, sh, sw, corners[0].X, corners[0].Y, reference);
        var events = new List<Event>();
        var step = new List<(long T, int Pixel, int P)>();
        long stepUs = SaccadeUs / StepsPerSaccade;
        long time = 0;
        for (int s = 0; s < 3; s++)
            for (int k = 1; k <= StepsPerSaccade; k++)
            {
                double f = (double)k / StepsPerSaccade;
                double ox = corners[s].X + (corners[s + 1].X - corners[s].X) * f, oy = corners[s].Y + (corners[s + 1].Y - corners[s].Y) * f;
                Sample(image, height, width, sh, sw, ox, oy, current);
                long ta = time, tb = s * SaccadeUs + (k == StepsPerSaccade ? SaccadeUs : k * stepUs);
                step.Clear();
                for (int i = 0; i < current.Length; i++)
                {
                    double d = current[i] - reference[i];
                    int n = (int)Math.Floor(Math.Abs(d) / Threshold);
                    if (n == 0) continue;
                    int p = d > 0 ? 1 : 0;
                    for (int j = 1; j <= n; j++) step.Add((ta + (tb - ta) * j / n, i, p));
                    reference[i] += Math.Sign(d) * n * Threshold;
                }
                step.Sort((a, b) => a.T != b.T ? a.T.CompareTo(b.T) : a.Pixel.CompareTo(b.Pixel));
                foreach (var e in step) events.Add(new Event(e.T, e.Pixel % sw, e.Pixel / sw, e.P));
                time = tb;
            }
        return new EventRecording(events.ToArray(), sw, sh);
    }

    /// <summary>Log intensity of every sensor pixel with the image's top-left corner at (ox, oy): bilinear, black outside.</summary>
    void Sample(ReadOnlySpan<float> image, int h, int w, int sh, int sw, double ox, double oy, double[] into)
    {
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
            {
                double ix = x - ox, iy = y - oy;
                int x0 = (int)Math.Floor(ix), y0 = (int)Math.Floor(iy);
                double fx = ix - x0, fy = iy - y0;
                double v = (1 - fy) * ((1 - fx) * At(image, h, w, y0, x0) + fx * At(image, h, w, y0, x0 + 1))
                         + fy * ((1 - fx) * At(image, h, w, y0 + 1, x0) + fx * At(image, h, w, y0 + 1, x0 + 1));
                into[y * sw + x] = Math.Log(v + Epsilon);
            }
    }

    static double At(ReadOnlySpan<float> image, int h, int w, int y, int x) => (uint)y < (uint)h && (uint)x < (uint)w ? image[y * w + x] : 0;
}
