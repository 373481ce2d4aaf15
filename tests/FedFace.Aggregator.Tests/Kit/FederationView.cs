using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Sites;
using FedFace.Core;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>What tests read of a running aggregator's federation: the served model and the sites that joined.</summary>
public sealed class FederationView(CurrentModel model, SiteRegistry sites)
{
    public long ModelVersion => model.ModelVersion;

    public long CommittedRound => model.CommittedRound;

    public ModelState GlobalModel => model.Model;

    public int JoinedSiteCount => sites.JoinedCount;
}
