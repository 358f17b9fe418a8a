namespace SpikeKit.Data.Events;

/// <summary>
/// One event of an event camera: timestamp <see cref="T"/> in microseconds, pixel column <see cref="X"/> and row
/// <see cref="Y"/>, polarity <see cref="P"/> (0 = OFF, a decrease of brightness; 1 = ON, an increase).
/// </summary>
public readonly record struct Event(long T, int X, int Y, int P);

/// <summary>
/// One recording of an event camera: its events sorted by time as the file gives them, and the sensor they came from.
/// </summary>
/// <param name="Events">The events in file order.</param>
/// <param name="Width">Sensor width (x is in <c>[0, Width)</c>).</param>
/// <param name="Height">Sensor height (y is in <c>[0, Height)</c>).</param>
public sealed record EventRecording(Event[] Events, int Width, int Height)
{
    /// <summary>Number of events.</summary>
    public int Count => Events.Length;
}
