using FedFace.Core;
using FedFace.Learning.Training;
using FedFace.Protos.V1;

namespace FedFace.Client;

/// <summary>What a site computes from the round's global model: a resident site trains its own network, a simulated one may borrow one or draw its delta.</summary>
public interface ILocalWork
{
    /// <summary>Why this site cannot take part in any round (null when it can); the first call may load the site's faces.</summary>
    string? Shortfall(CancellationToken cancellationToken);

    /// <summary>The backbone delta to send and what the local work reports.</summary>
    /// <exception cref="ArgumentException">a model or plan this site cannot train with: it sits the round out.</exception>
    Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken);
}

/// <summary>A site's delta (local backbone − global; never the head) and its training report.</summary>
public sealed record LocalUpdate(ModelState Delta, LocalTrainingReport Report);
