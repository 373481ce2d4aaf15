namespace FedFace.CommandLine;

/// <summary>What every FedFace executable exits with: scripts, systemd and Kubernetes tell a usage error from a failure.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The program could not do its work (files, network, a round loop that failed).</summary>
    public const int Failure = 1;
    /// <summary>The command line or the settings were wrong: an unknown flag or key, a value of the wrong type.</summary>
    public const int UsageError = 2;
}
