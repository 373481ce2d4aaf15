namespace FedFace.Client;

/// <summary>
/// How the site's run ended, for the process's exit code: the worker records a fatal fault here before it stops the
/// host, and Program turns it into one line and exit code 1 (so systemd or Kubernetes restart the site or say why).
/// </summary>
public sealed class SiteExit
{
    private string? _failure;

    /// <summary>The one line saying what ended the run, or null when it ended as asked (finished, or stopped).</summary>
    public string? Failure => Volatile.Read(ref _failure);

    public void Fail(string failure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(failure);
        Interlocked.CompareExchange(ref _failure, failure, null);
    }
}
