using System.Collections.Concurrent;
using FedFace.Core;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>An <see cref="IRoundObserver"/> that keeps every finished round and lets a test await one.</summary>
public sealed class RoundRecorder : IRoundObserver
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<FinishedRound>> _rounds = new();

    public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
    {
        Slot(summary.Round).TrySetResult(new FinishedRound(summary, globalModel.Clone()));
        return Task.CompletedTask;
    }

    public IReadOnlyList<RoundSummary> Finished =>
        [.. _rounds.Values.Where(t => t.Task.IsCompletedSuccessfully).Select(t => t.Task.Result.Summary).OrderBy(s => s.Round)];

    /// <summary>The summary of <paramref name="round"/> and the global model right after it, once it has finished.</summary>
    public async Task<FinishedRound> WaitForRoundAsync(long round, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Eventually.Patience;
        try
        {
            return await Slot(round).Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"round {round} did not finish within {limit.TotalSeconds:F0}s; finished rounds: "
                + string.Join("; ", Finished.Select(s => $"{s.Round}: {s.Outcome}")));
        }
    }

    private TaskCompletionSource<FinishedRound> Slot(long round) =>
        _rounds.GetOrAdd(round, _ => new TaskCompletionSource<FinishedRound>(TaskCreationOptions.RunContinuationsAsynchronously));
}

public sealed record FinishedRound(RoundSummary Summary, ModelState GlobalModel);
