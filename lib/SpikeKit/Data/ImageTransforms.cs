using System.Buffers;
using StbImageSharp;

namespace SpikeKit.Data;

/// <summary>
/// Decoding and the torchvision-style geometric transforms of <see cref="ImageFolderLoader"/>, in managed code (thread-safe,
/// no TorchSharp calls, so they run in parallel across the images of a batch).
/// </summary>
internal static class ImageTransforms
{
    /// <summary>Decodes a JPEG or PNG file to interleaved 8-bit RGB (grayscale, grayscale+alpha, RGBA, CMYK and YCCK JPEGs
    /// are converted; the format is taken from the content, not the extension). As stb_image does, a JPEG cut off inside
    /// its image data decodes with the missing part filled in; one cut off in its headers is an error.</summary>
    /// <exception cref="DataFormatException">The file cannot be read or decoded (one line naming it).</exception>
    public static (byte[] Rgb, int Width, int Height) Decode(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot read ({e.Message})");
        }
        ImageResult image;
        try
        {
            using var stream = new ClampedStream(bytes);
            image = ImageResult.FromStream(stream, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb's failure reason is a process-wide string: under concurrent failures it may name another file's problem.
            throw new DataFormatException(path, $"cannot decode as JPEG or PNG ({e.Message})");
        }
        if (image is null || image.Width < 1 || image.Height < 1 || image.Data is null || image.Data.Length < 3L * image.Width * image.Height)
            throw new DataFormatException(path, "cannot decode as JPEG or PNG (empty image)");
        return (image.Data, image.Width, image.Height);
    }

    /// <summary>
    /// A read-only memory stream that never seeks past its end. StbImageSharp's JPEG reader skips a segment by seeking and
    /// tests end-of-data with <c>Position == Length</c>: a segment length running past the end of a truncated file (e.g.
    /// <c>FF D8 FF E0 01 02 …</c>) would leave the position beyond the end and the marker search spinning for ever.
    /// </summary>
    sealed class ClampedStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override long Seek(long offset, SeekOrigin origin)
        {
            long target = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => Length + offset };
            return base.Seek(Math.Clamp(target, 0, Length), SeekOrigin.Begin);
        }

        public override long Position { get => base.Position; set => base.Position = Math.Clamp(value, 0, Length); }
    }

    /// <summary>
    /// torchvision's <c>RandomResizedCrop.get_params</c>: up to 10 tries of a box with area fraction uniform in
    /// <c>[minScale, maxScale]</c> and log-uniform aspect ratio in <c>[minRatio, maxRatio]</c> that fits the image, at a
    /// uniform position; else the central box with the ratio clamped to that range. Returns (left, top, width, height).
    /// </summary>
    public static (int X, int Y, int W, int H) RandomResizedCropBox(int width, int height, SeededRandom random,
        double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4.0, double maxRatio = 4.0 / 3.0)
    {
        double area = (double)width * height, logLo = Math.Log(minRatio), logHi = Math.Log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (minScale + (maxScale - minScale) * random.NextDouble());
            double ratio = Math.Exp(logLo + (logHi - logLo) * random.NextDouble());
            int w = (int)Math.Round(Math.Sqrt(target * ratio)), h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int y = random.Next(height - h + 1), x = random.Next(width - w + 1);
                return (x, y, w, h);
            }
        }
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < minRatio) { cw = width; ch = (int)Math.Round(cw / minRatio); }
        else if (inRatio > maxRatio) { ch = height; cw = (int)Math.Round(ch * maxRatio); }
        else { cw = width; ch = height; }
        return ((width - cw) / 2, (height - ch) / 2, cw, ch);
    }

    /// <summary>torchvision's <c>Resize(size)</c> for an int size: the shorter side becomes <paramref name="shorter"/>, the
    /// longer one <c>int(shorter·long/short)</c>.</summary>
    public static (int Width, int Height) ResizeShorter(int width, int height, int shorter) =>
        width <= height ? (shorter, (int)((long)shorter * height / width)) : ((int)((long)shorter * width / height), shorter);

    /// <summary>Where one output axis samples its input axis: input range <c>[Lo, Hi)</c> that may contribute, and output
    /// pixel k centred at input coordinate <c>Start + (k + ½)·Scale</c>.</summary>
    public readonly record struct Axis(int Lo, int Hi, double Start, double Scale);

    /// <summary>The crop <c>[x, x + w)</c> resized to <paramref name="size"/> (RandomResizedCrop: pixels outside the crop do not contribute).</summary>
    public static Axis CropAxis(int x, int w, int size) => new(x, x + w, x, (double)w / size);

    /// <summary>Resize of a whole axis of <paramref name="length"/> to <paramref name="resized"/>, then a crop from
    /// <paramref name="offset"/> (Resize + CenterCrop: the resize sees the whole image).</summary>
    public static Axis ResizeCropAxis(int length, int resized, int offset)
    {
        double scale = (double)length / resized;
        return new(0, length, offset * scale, scale);
    }

    /// <summary>torchvision's <c>CenterCrop</c> offset: <c>int(round((length − size) / 2))</c> (round half to even).</summary>
    public static int CenterOffset(int length, int size) => (int)Math.Round((length - size) / 2.0);

    /// <summary>Per-output-pixel taps of PIL's antialiased bilinear filter (triangle of radius max(scale, 1)), normalized.</summary>
    sealed class Taps
    {
        public readonly int[] First, Count;
        public readonly float[] Weights;
        public readonly int Stride;

        public Taps(Axis a, int size)
        {
            double support = Math.Max(a.Scale, 1.0), inv = 1.0 / support;
            Stride = (int)Math.Ceiling(support) * 2 + 2;
            First = new int[size];
            Count = new int[size];
            Weights = new float[size * Stride];
            for (int k = 0; k < size; k++)
            {
                double center = a.Start + (k + 0.5) * a.Scale;
                int lo = Math.Max(a.Lo, (int)Math.Floor(center - support + 0.5));
                int hi = Math.Min(a.Hi, (int)Math.Floor(center + support + 0.5));
                if (hi <= lo) { lo = Math.Clamp((int)Math.Floor(center), a.Lo, a.Hi - 1); hi = lo + 1; }
                hi = Math.Min(hi, lo + Stride);
                double total = 0;
                var w = new double[hi - lo];
                for (int j = lo; j < hi; j++)
                {
                    double d = Math.Abs((j + 0.5 - center) * inv);
                    w[j - lo] = d < 1 ? 1 - d : 0;
                    total += w[j - lo];
                }
                if (total <= 0) { Array.Clear(w); w[Math.Clamp((int)Math.Floor(center) - lo, 0, w.Length - 1)] = 1; total = 1; }
                First[k] = lo;
                Count[k] = hi - lo;
                for (int j = 0; j < w.Length; j++) Weights[k * Stride + j] = (float)(w[j] / total);
            }
        }
    }

    /// <summary>
    /// Resamples interleaved RGB <paramref name="rgb"/> (<paramref name="width"/>×<paramref name="height"/>) to a
    /// <paramref name="size"/>×<paramref name="size"/> planar float image at <c>dst[offset..]</c> (<c>[3, size, size]</c>),
    /// mirrored left–right when <paramref name="flip"/>, each value mapped to <c>v·scale[c] + shift[c]</c> (normalization).
    /// Separable antialiased bilinear filtering (PIL's resampling, as torchvision's Resize on images).
    /// </summary>
    public static void Resample(byte[] rgb, int width, int height, Axis xAxis, Axis yAxis, int size, bool flip,
        float[] dst, int offset, float[] scale, float[] shift)
    {
        var xs = new Taps(xAxis, size);
        var ys = new Taps(yAxis, size);
        int rowLo = int.MaxValue, rowHi = 0;
        for (int k = 0; k < size; k++) { rowLo = Math.Min(rowLo, ys.First[k]); rowHi = Math.Max(rowHi, ys.First[k] + ys.Count[k]); }
        int rows = rowHi - rowLo, rowStride = size * 3;
        var tmp = ArrayPool<float>.Shared.Rent(rows * rowStride);
        try
        {
            for (int r = 0; r < rows; r++)
            {
                int src = (rowLo + r) * width * 3, t = r * rowStride;
                for (int x = 0; x < size; x++)
                {
                    float a0 = 0, a1 = 0, a2 = 0;
                    int first = xs.First[x], wi = x * xs.Stride;
                    for (int j = 0; j < xs.Count[x]; j++)
                    {
                        float w = xs.Weights[wi + j];
                        int p = src + (first + j) * 3;
                        a0 += w * rgb[p]; a1 += w * rgb[p + 1]; a2 += w * rgb[p + 2];
                    }
                    tmp[t + x * 3] = a0; tmp[t + x * 3 + 1] = a1; tmp[t + x * 3 + 2] = a2;
                }
            }
            int plane = size * size;
            for (int y = 0; y < size; y++)
            {
                int first = ys.First[y] - rowLo, wi = y * ys.Stride, n = ys.Count[y];
                for (int x = 0; x < size; x++)
                {
                    float a0 = 0, a1 = 0, a2 = 0;
                    for (int j = 0; j < n; j++)
                    {
                        float w = ys.Weights[wi + j];
                        int p = (first + j) * rowStride + x * 3;
                        a0 += w * tmp[p]; a1 += w * tmp[p + 1]; a2 += w * tmp[p + 2];
                    }
                    int o = offset + y * size + (flip ? size - 1 - x : x);
                    dst[o] = a0 * scale[0] + shift[0];
                    dst[o + plane] = a1 * scale[1] + shift[1];
                    dst[o + 2 * plane] = a2 * scale[2] + shift[2];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tmp);
        }
    }
}
