namespace FedFace.Core.Storage;

/// <summary>
/// A crash injected at a write step to prove crash consistency: like a kill -9 there, it abandons the write with no
/// clean-up (<see cref="AtomicFile"/> leaves its temporary file behind for start-up to remove).
/// </summary>
public sealed class InjectedCrashException(string where) : Exception($"injected crash {where}");
