using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>One measurement as an instrument recorded it.</summary>
public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// Listens to the instruments of the meters one container's <see cref="IMeterFactory"/> made, and nobody else's: other
/// aggregators running in the same test process do not leak into the counts.
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MeasurementRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<Measured> Measurements { get; } = new();

    /// <summary>The measurements of <paramref name="instrument"/>, in order.</summary>
    public Measured[] Of(string instrument) => [.. Measurements.Where(m => m.Instrument == instrument)];

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Measurements.Enqueue(new Measured(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    public void Dispose() => _listener.Dispose();
}
