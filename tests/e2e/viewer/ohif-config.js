// The published OHIF viewer's configuration for the test bed (served as /app-config.js instead of the one in its
// dist/): one DICOMweb data source, the test bed's Orthanc through this site's own /orthanc/ proxy, as a hospital's
// "cloud film" site puts OHIF in front of its PACS. Nothing else differs from OHIF's secure default build.
const orthanc = `${window.location.origin}/orthanc`;
window.config = {
  routerBasename: null,
  extensions: [],
  modes: [],
  customizationService: {},
  showStudyList: true,
  maxNumberOfWebWorkers: 2,
  showWarningMessageForCrossOrigin: false,
  showCPUFallbackMessage: false,
  showLoadingIndicator: true,
  strictZSpacingForVolumeViewport: true,
  // The "investigational use" notice would sit over the viewer at every start.
  investigationalUseDialog: { option: 'never' },
  maxNumRequests: { interaction: 100, thumbnail: 5, prefetch: 25 },
  showErrorDetails: 'always',
  defaultDataSourceName: 'orthanc',
  dataSources: [
    {
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: 'orthanc',
      configuration: {
        friendlyName: 'CloudFilm test bed (Orthanc)',
        name: 'orthanc',
        wadoUriRoot: `${orthanc}/wado`,
        qidoRoot: `${orthanc}/dicom-web`,
        wadoRoot: `${orthanc}/dicom-web`,
        qidoSupportsIncludeField: false,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        supportsFuzzyMatching: false,
        supportsWildcard: true,
        dicomUploadEnabled: false,
        bulkDataURI: { enabled: true, relativeResolution: 'studies' },
        omitQuotationForMultipartRequest: true,
      },
    },
  ],
};
