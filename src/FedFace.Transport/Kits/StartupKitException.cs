namespace FedFace.Transport.Kits;

/// <summary>A startup kit the site will not start from; the message is the one-line reason.</summary>
public sealed class StartupKitException(string message) : Exception(message);
