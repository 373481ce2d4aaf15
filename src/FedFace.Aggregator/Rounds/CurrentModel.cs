using FedFace.Core;

namespace FedFace.Aggregator.Rounds;

/// <summary>The global model served now, replaced whole at each commit.</summary>
public sealed class CurrentModel(PublishedModel initial)
{
    private volatile PublishedModel _published = initial;

    public PublishedModel Published => _published;

    public long ModelVersion => _published.Version;

    public long CommittedRound => _published.Round;

    public ModelState Model => _published.Model;

    /// <summary>The served model if it is version <paramref name="version"/>; null otherwise.</summary>
    public PublishedModel? Find(long version) => _published is { } served && served.Version == version ? served : null;

    public void Publish(PublishedModel published) => _published = published;
}
