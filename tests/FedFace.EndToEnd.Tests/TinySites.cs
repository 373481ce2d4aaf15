using System.Collections.Concurrent;
using FedFace.Client;
using FedFace.Core;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Protos.V1;
using FedFace.Simulator;
using FedFace.Vision;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>The smallest real site data: three LFW people of folds 1–5 per site, four photos each, aligned for real.</summary>
internal static class TinySites
{
    public static SiteData[] Align(int siteCount)
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        var partition = LfwPartition.DealSites(pairs, new SimulatorOptions
        {
            Sites = siteCount, MaxPeople = 3 * siteCount, MinImagesPerPerson = 4, MaxImagesPerPerson = 4, Seed = 11,
        });
        using FaceAlignmentPipeline pipeline = Pipeline();
        return partition.Select(images => SiteData.Align(images, pipeline, NullLogger.Instance)).ToArray();
    }

    /// <summary>A site holding just these LFW photos, each labelled with its person.</summary>
    public static SiteData AlignPhotos(params (string Person, int Number)[] photos)
    {
        using FaceAlignmentPipeline pipeline = Pipeline();
        return SiteData.Align([.. photos.Select(p => new LabelledImage(SharedData.LfwImage(p.Person, p.Number), p.Person))], pipeline, NullLogger.Instance);
    }

    private static FaceAlignmentPipeline Pipeline() => new(() => new YuNetFaceDetector(SharedData.YuNetModel), degreeOfParallelism: 2);
}

/// <summary>Keeps a copy of every update a site is about to send, as it goes on the wire.</summary>
internal sealed class RecordingAudit : IUploadAudit
{
    public ConcurrentBag<(string SiteId, UpdateHeader Header, ModelState Delta)> Uploads { get; } = [];

    public void BeforeUpload(string siteId, UpdateHeader header, ModelState delta) => Uploads.Add((siteId, header.Clone(), delta.Clone()));
}
