using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FedFace.Transport;

/// <summary>
/// Whether the aggregator is currently unreachable, shared by every call through one retry pipeline (a site's calls
/// overlap: key stages run beside a download). An outage is logged once when it starts, with its cause, and once
/// when a call gets through again, with its length: not once per retry.
/// </summary>
public sealed class Outage(ILogger logger, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private long? _startedAt;

    /// <summary>How long the current outage has lasted (zero when there is none).</summary>
    public TimeSpan Length
    {
        get
        {
            lock (_gate)
            {
                return _startedAt is { } started ? _clock.GetElapsedTime(started) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>A call failed with a fault that passes by itself; starts an outage unless one is under way.</summary>
    public void Failed(Exception fault)
    {
        lock (_gate)
        {
            if (_startedAt is not null)
            {
                return;
            }
            _startedAt = _clock.GetTimestamp();
        }
        logger.LogWarning("Aggregator unreachable ({Fault}); retrying with back-off until it answers", FaultText.OneLine(fault));
    }

    /// <summary>A call got through; ends the outage if there was one.</summary>
    public void Answered()
    {
        TimeSpan length;
        lock (_gate)
        {
            if (_startedAt is not { } started)
            {
                return;
            }
            length = _clock.GetElapsedTime(started);
            _startedAt = null;
        }
        logger.LogInformation("Aggregator reachable again after an outage of {Seconds:F1}s", length.TotalSeconds);
    }
}
