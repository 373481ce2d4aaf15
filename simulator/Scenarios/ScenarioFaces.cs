using FedFace.Simulator.VirtualSites;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.Scenarios;

/// <summary>
/// The faces a scenario's training variants share, prepared once for the first of them (<see cref="ScenarioPlan"/> has
/// checked the others train on the same shape): the person-disjoint partition, or the face pool of
/// --engine-people-per-site. A scenario whose sites do not train prepares none.
/// </summary>
public sealed class ScenarioFaces
{
    private readonly SimulationData? _partitioned;
    private readonly PooledSites? _pooled;

    private ScenarioFaces(SimulationData? partitioned, PooledSites? pooled, double preparationSeconds)
    {
        (_partitioned, _pooled, PreparationSeconds) = (partitioned, pooled, preparationSeconds);
    }

    /// <summary>No variant trains: no faces, no sites' rows, no scoring pairs.</summary>
    public static ScenarioFaces None { get; } = new(null, null, 0);

    public double PreparationSeconds { get; }

    public IReadOnlyList<SiteRow> Sites => _partitioned?.SiteRows ?? _pooled?.Rows ?? [];

    public HeldOutVerification? HeldOut => _partitioned?.HeldOut ?? _pooled?.HeldOut;

    public static ScenarioFaces Prepare(ScenarioPlan plan, TextWriter output, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        SimulatorOptions? training = plan.Variants.Select(v => v.Options).FirstOrDefault(o => PreparedDataShape.Of(o) is not null);
        if (training is null)
        {
            return None;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return training.Engine.PeoplePerSite > 0
            ? new(null, PooledSites.Prepare(training, output, cancellationToken), clock.Elapsed.TotalSeconds)
            : new(SimulationData.Prepare(training, output, logger, cancellationToken), null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A training variant's federation on these faces.</summary>
    public Task<SimulationReport> RunAsync(Simulation simulation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        return _partitioned is not null ? simulation.RunAsync(_partitioned, PreparationSeconds, cancellationToken)
            : _pooled is not null ? simulation.RunAsync(_pooled, PreparationSeconds, cancellationToken)
            : throw new InvalidOperationException("no faces were prepared for a training variant");
    }
}
