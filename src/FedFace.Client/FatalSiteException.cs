namespace FedFace.Client;

/// <summary>A fault retrying cannot fix, already said in one line an operator can act on (such as data the site lacks).</summary>
public sealed class FatalSiteException(string message) : Exception(message);
