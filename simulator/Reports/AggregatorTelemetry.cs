using System.Diagnostics;
using System.Diagnostics.Metrics;
using FedFace.Aggregator.Observability;

namespace FedFace.Simulator.Reports;

/// <summary>
/// Follows the in-process aggregator through its own telemetry (<see cref="AggregatorMetrics"/>: the round and collect
/// spans, the accepted and refused update counters), as a dashboard would, and tells <see cref="RunProgress"/>. It needs
/// no hook in the federation it watches; it listens to every aggregator in the process, which a simulation has one of.
/// </summary>
public sealed class AggregatorTelemetry : IDisposable
{
    private const string RoundSpan = "round", CollectSpan = "collect";
    private const string AcceptedCounter = "fedface.aggregator.updates.accepted", RejectedCounter = "fedface.aggregator.updates.rejected";

    private readonly ActivityListener _spans;
    private readonly MeterListener _counters = new();

    public AggregatorTelemetry(RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AggregatorMetrics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            // The collect stage opens once the round span carries its number and sample.
            ActivityStarted = span =>
            {
                if (span.OperationName == CollectSpan && span.Parent is { OperationName: RoundSpan } round)
                {
                    progress.RoundOpened(Convert.ToInt64(round.GetTagItem("fedface.round") ?? 0L, System.Globalization.CultureInfo.InvariantCulture),
                        Convert.ToInt32(round.GetTagItem("fedface.sites.sampled") ?? 0, System.Globalization.CultureInfo.InvariantCulture));
                }
            },
            ActivityStopped = span =>
            {
                if (span.OperationName == RoundSpan)
                {
                    progress.RoundFinished(committed: span.GetTagItem("fedface.round.outcome") as string == "committed");
                }
            },
        };
        ActivitySource.AddActivityListener(_spans);
        _counters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AggregatorMetrics.Name && instrument.Name is AcceptedCounter or RejectedCounter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _counters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == AcceptedCounter)
            {
                progress.SitesAnswered((int)value);
            }
            else
            {
                progress.UpdateRefused();
            }
        });
        _counters.Start();
    }

    public void Dispose()
    {
        _spans.Dispose();
        _counters.Dispose();
    }
}
