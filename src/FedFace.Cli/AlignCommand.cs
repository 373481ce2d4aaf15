using System.CommandLine;
using System.Diagnostics;
using FedFace.CommandLine;
using FedFace.Recognition;
using FedFace.Vision;

namespace FedFace.Cli;

/// <summary>
/// <c>fedface align FOLDER</c>: detects, aligns and quality-checks every photo of a site folder (a folder
/// per person, and loose photos at its top: aligning needs no names), caching the crops, and prints what became of them.
/// </summary>
public sealed class AlignCommand : ICliCommand
{
    private static readonly FacePipelineSettings s_defaults = new();
    private static readonly DetectorOptions s_detectorDefaults = new();

    private readonly Argument<string> _folder = new("folder")
    {
        Description = "Photos (jpg, jpeg, png, pgm, bmp, webp): loose in it, or in a folder per person as enroll and training need them.",
    };
    private readonly Option<string?> _cache = new("--cache") { Description = "Keep aligned crops here; a second run over the same photos detects nothing.", HelpName = "DIR" };
    private readonly Option<DetectorKind?> _detector = CheckedOptions.Parsed("--detector", text => (DetectorKind?)FaceDetectorFactory.ParseKind(text), "yunet|haar",
        $"Face detector; haar needs Debian's opencv-data. [default: {s_detectorDefaults.Kind.ToString().ToLowerInvariant()}]");
    private readonly Option<string?> _detectorModel = new("--detector-model", "--model")
    {
        Description = "The YuNet face-detector model, ONNX (required with yunet), e.g. ../shared/models/face_detection_yunet_2023mar.onnx; the same flag "
            + "as enroll, identify and evaluate take (--model, its older name, still works).",
        HelpName = "PATH",
    };
    private readonly Option<string> _cascades = new("--cascades")
    {
        Description = "Folder of the Haar cascades.",
        HelpName = "DIR",
        DefaultValueFactory = _ => s_detectorDefaults.CascadeDirectory,
    };
    private readonly Option<FaceSelectionPolicy?> _policy = EmbeddingOptions.Policy($"Which face of several to keep. [default: {EmbeddingRecipe.PolicyName(s_defaults.Policy)}]");
    private readonly Option<float> _minFace = CheckedOptions.Number("--min-face", 0f, 100_000f, s_defaults.MinFaceSidePixels, "PX", "Smaller faces are passed over / rejected as too small.");
    private readonly Option<float> _score = CheckedOptions.Number("--score", 0f, 1f, s_detectorDefaults.ScoreThreshold, "X", "Detector score threshold, 0..1.");
    private readonly Option<AlignmentTemplate?> _size = CheckedOptions.Parsed("--size", AlignmentTemplate.Parse, "112|96x112|160", $"Aligned crop size. [default: {s_defaults.Template.Name}]");
    // The quality gate's defaults are those of the gate in force: --no-quality-gate's accept everything.
    private readonly Option<float?> _minSharpness = CheckedOptions.Number("--min-sharpness", 0f, float.MaxValue, "X",
        $"Quality gate: variance of the Laplacian. [default: {s_defaults.Quality.MinSharpness}]");
    private readonly Option<float?> _minBrightness = CheckedOptions.Number("--min-brightness", 0f, 255f, "X",
        $"Quality gate: mean luminance 0..255. [default: {s_defaults.Quality.MinMeanLuminance}]");
    private readonly Option<float?> _maxBrightness = CheckedOptions.Number("--max-brightness", 0f, 255f, "X",
        $"Quality gate: mean luminance 0..255. [default: {s_defaults.Quality.MaxMeanLuminance}]");
    private readonly Option<float?> _maxYaw = CheckedOptions.Number("--max-yaw", 0f, float.MaxValue, "X",
        $"Quality gate: nose offset in eye distances. [default: {s_defaults.Quality.MaxAbsYaw}, about 60°]");
    private readonly Option<float?> _maxRoll = CheckedOptions.Number("--max-roll", 0f, 180f, "DEG",
        $"Quality gate: eye-line angle. [default: {s_defaults.Quality.MaxAbsRollDegrees}]");
    private readonly Option<float?> _minInside = CheckedOptions.Number("--min-inside", 0f, 1f, "X",
        "Quality gate: least share of the face inside the photo, 0..1; of several faces the first, by --policy, not cut off at the edge is kept. "
        + $"[default: {s_defaults.Quality.MinInsideFraction}]");
    private readonly Option<bool> _noQualityGate = new("--no-quality-gate") { Description = "Keep every aligned face." };
    private readonly Option<int?> _threads = EmbeddingOptions.Threads();
    private readonly Option<string?> _report = new("--report") { Description = "Also write every photo's outcome and the totals as JSON.", HelpName = "FILE" };
    private readonly Option<bool> _listRejected = new("--list-rejected") { Description = "Print every rejected face and photo without a face, not only unreadable files." };

    public AlignCommand()
    {
        Command = new Command("align", """
            Detects, aligns and quality-checks every photo of a site folder (a folder per person, and loose photos at its top:
            aligning needs no names), caching the crops, and prints what became of them.

            Exit codes: 0 when the folder was processed (whatever the photos held), 1 on an error, 2 on bad arguments.
            """)
        {
            _folder, _cache, _detector, _detectorModel, _cascades, _policy, _minFace, _score, _size, _minSharpness, _minBrightness, _maxBrightness,
            _maxYaw, _maxRoll, _minInside, _noQualityGate, _threads, _report, _listRejected,
        };
    }

    public Command Command { get; }
    public string Summary => "Detect, align and quality-check a folder of photos (loose or a folder per person), with an on-disk cache.";

    public int Run(ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        DetectorKind kind = parsed.GetValue(_detector) ?? s_detectorDefaults.Kind;
        var detector = new DetectorOptions
        {
            Kind = kind,
            YuNetModelPath = parsed.GetValue(_detectorModel)
                ?? (kind == DetectorKind.YuNet ? throw new UsageException("Option '--detector-model' is required with the yunet detector, the default "
                    + "(the YuNet face-detector model, ONNX, e.g. ../shared/models/face_detection_yunet_2023mar.onnx)") : ""),
            CascadeDirectory = parsed.GetRequiredValue(_cascades),
            ScoreThreshold = parsed.GetValue(_score),
        };
        QualityOptions gate = parsed.GetValue(_noQualityGate) ? QualityOptions.AcceptAll : s_defaults.Quality;
        gate = gate with
        {
            MinSharpness = parsed.GetValue(_minSharpness) ?? gate.MinSharpness,
            MinMeanLuminance = parsed.GetValue(_minBrightness) ?? gate.MinMeanLuminance,
            MaxMeanLuminance = parsed.GetValue(_maxBrightness) ?? gate.MaxMeanLuminance,
            MaxAbsYaw = parsed.GetValue(_maxYaw) ?? gate.MaxAbsYaw,
            MaxAbsRollDegrees = parsed.GetValue(_maxRoll) ?? gate.MaxAbsRollDegrees,
            MinInsideFraction = parsed.GetValue(_minInside) ?? gate.MinInsideFraction,
        };
        var settings = new FacePipelineSettings
        {
            Policy = parsed.GetValue(_policy) ?? s_defaults.Policy,
            MinFaceSidePixels = parsed.GetValue(_minFace),
            Template = parsed.GetValue(_size) ?? s_defaults.Template,
            Quality = gate,
        };
        int threads = parsed.GetValue(_threads) ?? Environment.ProcessorCount;
        string? reportPath = parsed.GetValue(_report), cacheDirectory = parsed.GetValue(_cache);
        bool listRejected = parsed.GetValue(_listRejected);
        string folder = parsed.GetRequiredValue(_folder);

        var clock = Stopwatch.StartNew();
        SiteDataset dataset = SiteDataset.Scan(folder);
        using FaceAlignmentPipeline pipeline = FaceAlignmentPipeline.Create(detector, settings, cacheDirectory, threads);
        var progress = new ProgressBar(error, dataset.Images.Count + dataset.LoosePhotos.Count, "images", inPlace: !Console.IsErrorRedirected);
        string[] paths = [.. dataset.Images.Select(i => i.Path), .. dataset.LoosePhotos];
        AlignedFaceBatch batch = pipeline.ProcessMany(paths, progress);
        progress.Finish();
        double seconds = clock.Elapsed.TotalSeconds;

        for (int i = 0; i < batch.Results.Count; i++)
        {
            AlignmentResult result = batch.Results[i];
            if (result.Outcome == AlignmentOutcome.Unreadable || (listRejected && result.Outcome is AlignmentOutcome.Rejected or AlignmentOutcome.NoFace))
            {
                error.WriteLine($"skipped {paths[i]}: {result.Reason}");
            }
        }
        AlignSummary summary = AlignSummary.From(dataset, batch, pipeline, detector.Kind, seconds);
        output.Write(summary.ToTable());
        if (reportPath is not null)
        {
            WriteReport(reportPath, summary, dataset, paths, batch);
            output.WriteLine($"report: {Path.GetFullPath(reportPath)}");
        }
        return CommandDispatcher.Success;
    }

    /// <summary>The report of every photo: <paramref name="paths"/> are the dataset's images, then its loose photos (no person).</summary>
    private static void WriteReport(string path, AlignSummary summary, SiteDataset dataset, string[] paths, AlignedFaceBatch batch)
    {
        var photos = paths.Select((photo, i) =>
        {
            AlignmentResult r = batch.Results[i];
            FaceDetection? face = r.Face?.Detection;
            return new PhotoReport(photo, i < dataset.Images.Count ? dataset.Images[i].Person : null, r.Outcome, r.Rejection, r.Unreadable, r.Reason, r.FromCache,
                face is null ? null : new FaceReport([face.X, face.Y, face.Width, face.Height], face.Score, [.. face.Landmarks.Select(p => new[] { p.X, p.Y })]),
                r.Face?.Measures is { } m ? MeasuresReport.From(m) : null);
        }).ToArray();
        CliJson.WriteFile(path, new AlignReport(summary, photos));
    }

    private sealed record AlignReport(AlignSummary Summary, PhotoReport[] Photos);

    private sealed record PhotoReport(string Path, string? Person, AlignmentOutcome Outcome, RejectionReason? Rejection,
        UnreadableReason? Unreadable, string? Reason, bool FromCache, FaceReport? Face, MeasuresReport? Measures);

    /// <summary>The chosen face in source-image pixels: box (x, y, width, height), score, five landmarks.</summary>
    private sealed record FaceReport(float[] Box, float Score, float[][] Landmarks);

    /// <summary>Quality measures as plain numbers (System.Text.Json cannot write NaN/∞; pose of guessed eyes can be ∞).</summary>
    private sealed record MeasuresReport(float FaceSidePixels, float Sharpness, float MeanLuminance, float? Yaw, float RollDegrees)
    {
        public static MeasuresReport From(QualityMeasures m) =>
            new(m.FaceSidePixels, m.Sharpness, m.MeanLuminance, float.IsFinite(m.Yaw) ? m.Yaw : null, m.RollDegrees);
    }
}
