using FedFace.Core.Storage;

namespace FedFace.Protocol.Storage;

/// <summary>The files a checkpoint commit writes, in order.</summary>
public enum CommitFile
{
    Model,
    Optimizer,
    StateRecord,
    State,
}

/// <summary>
/// A fault-injection seam in <see cref="CheckpointStore.Commit"/>: called after each step of each file's atomic write, so
/// that a test (or a crash loop) can stop the commit of <c>round</c> exactly there, as a kill -9 would.
/// </summary>
public interface ICommitFaults
{
    void After(long round, CommitFile file, AtomicWriteStep step);
}

/// <summary>No faults: the production default.</summary>
public sealed class NoCommitFaults : ICommitFaults
{
    public static readonly NoCommitFaults Instance = new();

    public void After(long round, CommitFile file, AtomicWriteStep step)
    {
    }
}
