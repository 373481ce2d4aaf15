using FedFace.Core;
using FedFace.Core.Aggregation;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>The model a round would commit, or why it must not be.</summary>
/// <param name="Problem">Why the candidate is refused; null when it may be committed.</param>
/// <param name="Note">What the round's outcome says about tail averaging (empty without).</param>
/// <param name="AveragedModels">How many global models the candidate is the mean of; 1 = its own step.</param>
public sealed record CandidateModel(ModelState Model, string? Problem, string Note, int AveragedModels);

/// <summary>
/// The server side of a round: the optimiser steps the global model with the round's mean delta, the last round may
/// average the last models, and the candidate must pass its last check (finite, within the change allowed).
/// </summary>
public sealed class ServerStep(IServerOptimizer optimizer, TailAverage tail, IOptions<AggregatorOptions> options)
{
    private readonly double _maxChangeRatio = options.Value.MaxModelChangeRatio;

    public CandidateModel Take(PublishedModel current, ModelState meanDelta)
    {
        ArgumentNullException.ThrowIfNull(current);
        ModelState? committedOptimizerState = optimizer.ExportState();
        ModelState stepped = RunningStatistics.WithValidVariances(optimizer.Apply(current.Model, meanDelta));
        (ModelState next, string note, int averaged) = tail.Apply(stepped, current.Version);
        if (CandidateModelCheck.Problem(current.Model, next, _maxChangeRatio) is { } problem)
        {
            // The step just taken moved the optimiser's momentum too; left there, it would carry the refused step into every later round.
            if (optimizer.ExportState() is not null)
            {
                optimizer.RestoreState(committedOptimizerState ?? new ModelState([]));
            }
            return new CandidateModel(next, problem, note, AveragedModels: 1);
        }
        return new CandidateModel(next, Problem: null, note, averaged);
    }
}
