using FedFace.Protos.V1;
using FedFace.Transport;

namespace FedFace.Client;

/// <summary>A site's settings (section "Site"), validated at start-up.</summary>
public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>The aggregator's https address; its host must be a name the aggregator's certificate carries.</summary>
    public string AggregatorUrl { get; set; } = "https://localhost:7443";
    /// <summary>The site's certificate (PEM), issued by the federation CA: it is the site's identity.</summary>
    public string CertificatePath { get; set; } = "";
    /// <summary>The site certificate's private key (PEM).</summary>
    public string KeyPath { get; set; } = "";
    /// <summary>The federation CA's certificate (PEM): the aggregator's certificate must chain to it.</summary>
    public string CaCertificatePath { get; set; } = "certs/generated/ca.crt";
    /// <summary>A folder per person holding that person's photos.</summary>
    public string DataDirectory { get; set; } = "";
    /// <summary>The YuNet face detector (face_detection_yunet_2023mar.onnx) that finds faces and their five landmarks.</summary>
    public string DetectorModelPath { get; set; } = "";
    /// <summary>Where aligned crops are kept between runs (empty: no cache, every start detects again).</summary>
    public string AlignedCacheDirectory { get; set; } = "";
    /// <summary>
    /// Where the site keeps what must outlive a restart: the newest model version it accepted (<see cref="ModelVersionFloor"/>),
    /// so a rolled-back aggregator cannot serve it an older model. Empty: the floor holds for one run only.
    /// </summary>
    public string StateDirectory { get; set; } = "";
    /// <summary>Seeds the site's own randomness: its ArcFace head's initialisation and its training.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>
    /// Also keep a synthetically masked rendering of every face, so rounds that ask for mask augmentation
    /// (TrainingConfig.masked_face_probability) get it; doubles the memory the site's faces take.
    /// </summary>
    public bool PrepareMaskedFaces { get; set; }
    /// <summary>Refuse a global model larger than this (a guard against a runaway header).</summary>
    public long MaxModelBytes { get; set; } = 1L << 30;
    /// <summary>Refuse rounds without differential privacy (central or distributed): the site does not train in them.</summary>
    public bool RequireDifferentialPrivacy { get; set; }
    /// <summary>Refuse rounds whose aggregation is weaker: Plain (the aggregator sees each update) or SecureAggregation (only their sum).</summary>
    public AggregationMode MinimumAggregationMode { get; set; } = AggregationMode.Plain;
    /// <summary>
    /// Refuse secure rounds that withstand fewer than ⌊this·n⌋ of their n sites colluding with the aggregator (0: no margin
    /// asked; below 0.5). Needs <see cref="MinimumAggregationMode"/> SecureAggregation: a plain round has no margin to ask of.
    /// </summary>
    public double MinimumCorruptFraction { get; set; }
    /// <summary>
    /// How long an outage of the aggregator may last before the site gives up and exits non-zero (unset: it never does,
    /// and waits for the aggregator for as long as it takes).
    /// </summary>
    public double? GiveUpAfterSeconds { get; set; }
    /// <summary>The first retry's delay; each later one doubles it, with jitter, up to <see cref="RetryMaxDelayMilliseconds"/>.</summary>
    public int RetryBaseDelayMilliseconds { get; set; } = 500;
    /// <summary>The longest delay between retries while the aggregator is unreachable.</summary>
    public int RetryMaxDelayMilliseconds { get; set; } = 60_000;

    public AggregatorEndpoint Endpoint => new(AggregatorUrl, CertificatePath, KeyPath, CaCertificatePath);

    public RetrySettings Retry => new(RetryBaseDelayMilliseconds, RetryMaxDelayMilliseconds,
        GiveUpAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);

    public SiteProtectionPolicy Protection => new(RequireDifferentialPrivacy, MinimumAggregationMode, MinimumCorruptFraction);

    public IReadOnlyList<string> Problems(bool requireDataDirectory)
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(AggregatorUrl, UriKind.Absolute, out Uri? url) || url.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add($"Site:AggregatorUrl must be an https URL, got '{AggregatorUrl}'");
        }
        foreach ((string name, string path) in new[] { ("CertificatePath", CertificatePath), ("KeyPath", KeyPath), ("CaCertificatePath", CaCertificatePath) })
        {
            if (!File.Exists(path))
            {
                problems.Add($"Site:{name} '{path}' does not exist");
            }
        }
        if (requireDataDirectory && !Directory.Exists(DataDirectory))
        {
            problems.Add($"Site:DataDirectory '{DataDirectory}' does not exist (a folder per person with their photos)");
        }
        if (requireDataDirectory && !File.Exists(DetectorModelPath))
        {
            problems.Add($"Site:DetectorModelPath '{DetectorModelPath}' does not exist (the YuNet ONNX model)");
        }
        if (MinimumAggregationMode is not (AggregationMode.Plain or AggregationMode.SecureAggregation))
        {
            problems.Add($"Site:MinimumAggregationMode must be Plain or SecureAggregation, got {MinimumAggregationMode}");
        }
        if (!(MinimumCorruptFraction >= 0 && MinimumCorruptFraction < 0.5))
        {
            problems.Add($"Site:MinimumCorruptFraction must be in [0, 0.5) (half the sites corrupt could sign any survivor set), got {MinimumCorruptFraction}");
        }
        else if (MinimumCorruptFraction > 0 && MinimumAggregationMode != AggregationMode.SecureAggregation)
        {
            problems.Add($"Site:MinimumCorruptFraction {MinimumCorruptFraction} needs Site:MinimumAggregationMode SecureAggregation: a plain round lets the aggregator see every update anyway");
        }
        if (RetryBaseDelayMilliseconds <= 0 || RetryMaxDelayMilliseconds < RetryBaseDelayMilliseconds)
        {
            problems.Add($"Site: retry settings must have 0 < RetryBaseDelayMilliseconds ≤ RetryMaxDelayMilliseconds, got {RetryBaseDelayMilliseconds} and {RetryMaxDelayMilliseconds}");
        }
        if (GiveUpAfterSeconds is { } giveUp && !(giveUp > 0 && double.IsFinite(giveUp)))
        {
            problems.Add($"Site:GiveUpAfterSeconds must be a number of seconds > 0 (or unset: never give up), got {giveUp}");
        }
        return problems;
    }
}
