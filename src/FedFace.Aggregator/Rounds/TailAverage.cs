using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>The last round may publish the mean of the last models instead of its own step (<see cref="AggregatorOptions.AverageLastModels"/>).</summary>
public sealed class TailAverage(CheckpointStore checkpoints, IOptions<AggregatorOptions> options, ILogger<TailAverage> logger)
{
    private readonly int _models = options.Value.AverageLastModels;
    private readonly int _totalRounds = options.Value.TotalRounds;

    /// <summary>The model to commit as version <paramref name="currentVersion"/> + 1, with what the round's outcome says about it.</summary>
    public (ModelState Model, string Note, int Count) Apply(ModelState next, long currentVersion) =>
        currentVersion + 1 == _totalRounds && _models > 1 ? AverageWithEarlierModels(next, currentVersion) : (next, "", 1);

    /// <summary>
    /// The final model as the mean of itself and the models committed just before it, read back from the checkpoint
    /// store. If one cannot be read, the round still commits: its own model, with a warning naming the file.
    /// </summary>
    private (ModelState Model, string Note, int Count) AverageWithEarlierModels(ModelState final, long currentVersion)
    {
        long first = currentVersion + 2 - _models;
        var models = new List<ModelState>();
        try
        {
            for (long version = first; version <= currentVersion; version++)
            {
                models.Add(checkpoints.ReadModel(version));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            logger.LogWarning("The final model is not averaged with the earlier ones (v{First}-v{Last}): {Error}", first, currentVersion, e.Message);
            return (final, $"; not averaged: {e.Message}", 1);
        }
        models.Add(final);
        return (ModelAverage.Mean(models), $", published as the mean of models v{first}-v{currentVersion + 1}", models.Count);
    }
}
