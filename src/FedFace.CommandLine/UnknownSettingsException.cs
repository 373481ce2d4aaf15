namespace FedFace.CommandLine;

/// <summary>The configuration holds keys no setting binds (<see cref="UnknownSettings"/>): a usage error, exit code 2.</summary>
public sealed class UnknownSettingsException(string message) : Exception(message);
