namespace FedFace.Core.Storage;

/// <summary>The steps of an atomic file write, in order: each is a point where a crash can land.</summary>
public enum AtomicWriteStep
{
    /// <summary>The whole content is in the temporary file, not yet flushed to disk.</summary>
    TemporaryWritten,

    /// <summary>The temporary file is flushed to disk (fsync).</summary>
    TemporaryFlushed,

    /// <summary>The temporary file has replaced the target (rename).</summary>
    Renamed,

    /// <summary>The directory is flushed, so the rename itself is durable.</summary>
    DirectoryFlushed,
}
