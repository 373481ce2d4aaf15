namespace FedFace.Client;

/// <summary>The steps of a plain round a site goes through, in order.</summary>
public enum SiteRoundStep
{
    Download,
    Training,
    Upload,
}

/// <summary>Told before each step of a site's round (a simulator's fault injection delays or stops a site there).</summary>
public interface ISiteRoundObserver
{
    ValueTask BeforeStepAsync(string siteId, long round, SiteRoundStep step, CancellationToken cancellationToken);
}
