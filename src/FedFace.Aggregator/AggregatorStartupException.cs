namespace FedFace.Aggregator;

/// <summary>The aggregator cannot start, for a reason its message gives in one line an operator can act on.</summary>
public sealed class AggregatorStartupException(string message, Exception? inner = null) : Exception(message, inner);
