using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>
/// A collector that answers for the sites as a script says: what each site sends is folded or recorded at once, and
/// the round's collection may end with an abort reason. Stands in for uploads or SecAgg+ stages in round-logic tests.
/// </summary>
public sealed class ScriptedCollector : IUpdateCollector
{
    private readonly List<Action<OpenRound>> _answers = [];

    public int Prepared { get; private set; }

    public string? AbortReason { get; set; }

    /// <summary>The site's update, folded as the plain path folds an accepted one.</summary>
    public ScriptedCollector Sends(string siteId, ModelState delta, long examples)
    {
        _answers.Add(round =>
        {
            round.Updates.Fold(siteId, new UpdateHeader { ExampleCount = examples }, delta);
            round.UpdateNorms[siteId] = Core.Privacy.DeltaClipping.WeightNorm(delta);
            round.Record(siteId, new SiteAnswer.Accepted());
        });
        return this;
    }

    public ScriptedCollector Answers(string siteId, SiteAnswer answer)
    {
        _answers.Add(round => round.Record(siteId, answer));
        return this;
    }

    /// <summary>The next rounds answer only what is scripted after this.</summary>
    public ScriptedCollector Forget()
    {
        _answers.Clear();
        return this;
    }

    public int MinimumSurvivors(int sampledSites, int minSites) => minSites;

    public void Prepare(OpenRound round, ModelState global)
    {
        ArgumentNullException.ThrowIfNull(round);
        round.Task.Aggregation = AggregationMode.Plain;
        Prepared++;
    }

    public Task<CollectionResult> CollectAsync(OpenRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (round.Gate)
        {
            foreach (Action<OpenRound> answer in _answers)
            {
                answer(round);
            }
        }
        return Task.FromResult(new CollectionResult(AbortReason, SecureAggregation: null));
    }
}
