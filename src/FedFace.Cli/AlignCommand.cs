using System.Diagnostics;
using FedFace.Vision;

namespace FedFace.Cli;

/// <summary>
/// <c>fedface align FOLDER</c>: detects, aligns and quality-checks every photo of a site folder (a folder
/// per person, and loose photos at its top: aligning needs no names), caching the crops, and prints what became of them.
/// </summary>
public sealed class AlignCommand : ICliCommand
{
    public string Name => "align";
    public string Summary => "detect, align and quality-check a folder of photos (loose or a folder per person), with an on-disk cache";
    private static readonly FacePipelineSettings s_defaults = new();
    private static readonly DetectorOptions s_detectorDefaults = new();

    public string Usage { get; } = $$"""
        usage: fedface align <folder> [options]

          <folder>                 photos (jpg, jpeg, png, pgm, bmp, webp): loose in it, or in a folder per person as
                                   enroll and training need them

        options:
          --cache DIR              keep aligned crops here; a second run over the same photos detects nothing
          --detector yunet|haar    face detector (default yunet; haar needs Debian's opencv-data)
          --detector-model PATH    YuNet ONNX model (required with yunet), e.g. ../shared/models/face_detection_yunet_2023mar.onnx;
                                   the same flag as enroll, identify and evaluate take (--model, its older name, still works)
          --cascades DIR           folder of the Haar cascades (default {{s_detectorDefaults.CascadeDirectory}})
          --policy largest|central which face of several to keep (default {{s_defaults.Policy.ToString().ToLowerInvariant()}})
          --min-face PX            smaller faces are passed over / rejected as too small (default {{s_defaults.MinFaceSidePixels}})
          --score X                detector score threshold, 0..1 (default {{s_detectorDefaults.ScoreThreshold}})
          --size 112|96x112|160    aligned crop size (default {{s_defaults.Template.Name}})
          --min-sharpness X        quality gate: variance of the Laplacian (default {{s_defaults.Quality.MinSharpness}})
          --min-brightness X       quality gate: mean luminance 0..255 (default {{s_defaults.Quality.MinMeanLuminance}})
          --max-brightness X       quality gate: mean luminance 0..255 (default {{s_defaults.Quality.MaxMeanLuminance}})
          --max-yaw X              quality gate: nose offset in eye distances (default {{s_defaults.Quality.MaxAbsYaw}}, about 60°)
          --max-roll DEG           quality gate: eye-line angle (default {{s_defaults.Quality.MaxAbsRollDegrees}})
          --min-inside X           quality gate: least share of the face inside the photo, 0..1 (default {{s_defaults.Quality.MinInsideFraction}});
                                   of several faces the first, by --policy, not cut off at the edge is kept
          --no-quality-gate        keep every aligned face
          --threads N              workers (default: the number of cores)
          --report FILE            also write every photo's outcome and the totals as JSON
          --list-rejected          print every rejected face and photo without a face, not only unreadable files

        Exit code 0 when the folder was processed (whatever the photos held), 1 on an error, 2 on bad arguments.

        """;

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        FacePipelineSettings defaults = s_defaults;
        DetectorOptions detectorDefaults = s_detectorDefaults;
        string? cacheDirectory = arguments.Option("cache");
        DetectorKind kind = arguments.ParsedValueOption("detector", FaceDetectorFactory.ParseKind) ?? detectorDefaults.Kind;
        var detector = new DetectorOptions
        {
            Kind = kind,
            YuNetModelPath = arguments.Option("detector-model") ?? arguments.Option("model")
                ?? (kind == DetectorKind.YuNet ? throw EmbeddingOptions.MissingDetectorModel("detector-model") : ""),
            CascadeDirectory = arguments.Option("cascades") ?? detectorDefaults.CascadeDirectory,
            ScoreThreshold = arguments.FloatOption("score", 0, 1) ?? detectorDefaults.ScoreThreshold,
        };
        QualityOptions gate = arguments.Flag("no-quality-gate") ? QualityOptions.AcceptAll : defaults.Quality;
        gate = gate with
        {
            MinSharpness = arguments.FloatOption("min-sharpness", 0, float.MaxValue) ?? gate.MinSharpness,
            MinMeanLuminance = arguments.FloatOption("min-brightness", 0, 255) ?? gate.MinMeanLuminance,
            MaxMeanLuminance = arguments.FloatOption("max-brightness", 0, 255) ?? gate.MaxMeanLuminance,
            MaxAbsYaw = arguments.FloatOption("max-yaw", 0, float.MaxValue) ?? gate.MaxAbsYaw,
            MaxAbsRollDegrees = arguments.FloatOption("max-roll", 0, 180) ?? gate.MaxAbsRollDegrees,
            MinInsideFraction = arguments.FloatOption("min-inside", 0, 1) ?? gate.MinInsideFraction,
        };
        var settings = new FacePipelineSettings
        {
            Policy = arguments.ParsedValueOption("policy", FaceSelector.ParsePolicy) ?? defaults.Policy,
            MinFaceSidePixels = arguments.FloatOption("min-face", 0, 100_000) ?? defaults.MinFaceSidePixels,
            Template = arguments.ParsedOption("size", AlignmentTemplate.Parse) ?? defaults.Template,
            Quality = gate,
        };
        int threads = arguments.IntOption("threads", 1, 256) ?? Environment.ProcessorCount;
        string? reportPath = arguments.Option("report");
        bool listRejected = arguments.Flag("list-rejected");
        arguments.EnsureAllUsed(expectedPositionals: 1);
        if (arguments.Positionals.Count == 0)
        {
            throw new UsageException("which folder? (a folder per person holding their photos)");
        }
        string folder = arguments.Positionals[0];

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
