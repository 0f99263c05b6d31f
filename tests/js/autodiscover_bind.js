// The EWS Managed API's JavaScript port as an integration would use it against ewsemu:
// Autodiscover (SOAP GetUserSettings) finds the EWS URL from an e-mail address, then a task is created and
// bound over NTLM (@ewsjs/xhr). Run by tests/e2e/test_connect_js.py:
//   node autodiscover_bind.js AUTODISCOVER_URL EMAIL USER PASSWORD SUBJECT
// prints one JSON line: {"ewsUrl", "settings", "taskId", "subject", "status"} or {"error"}.
const ews = require("ews-javascript-api");
const { XhrApi } = require("@ewsjs/xhr");

async function main() {
  const [autodiscoverUrl, email, user, password, subject] = process.argv.slice(2);
  ews.ConfigurationApi.ConfigureXHR(new XhrApi({ rejectUnauthorized: true }).useNtlmAuthentication(user, password));
  const credentials = new ews.WebCredentials(user, password);

  const autodiscover = new ews.AutodiscoverService(ews.ExchangeVersion.Exchange2013);
  autodiscover.Url = new ews.Uri(autodiscoverUrl);
  autodiscover.Credentials = credentials;
  const names = [ews.UserSettingName.ExternalEwsUrl, ews.UserSettingName.InternalEwsUrl,
                 ews.UserSettingName.UserDisplayName, ews.UserSettingName.AutoDiscoverSMTPAddress,
                 ews.UserSettingName.EwsSupportedSchemas];
  const response = await autodiscover.GetUserSettings(email, names);
  if (response.ErrorCode !== ews.AutodiscoverErrorCode.NoError) {
    throw new Error(`Autodiscover: ${ews.AutodiscoverErrorCode[response.ErrorCode]} ${response.ErrorMessage}`);
  }
  const settings = {};
  for (const name of names) {
    settings[ews.UserSettingName[name]] = response.Settings.get(name);
  }
  const ewsUrl = settings.ExternalEwsUrl;

  const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013);
  service.Url = new ews.Uri(ewsUrl);
  service.Credentials = credentials;
  const task = new ews.Task(service);
  task.Subject = subject;
  task.Status = ews.TaskStatus.InProgress;
  await task.Save(ews.WellKnownFolderName.Tasks);
  const bound = await ews.Task.Bind(service, task.Id);
  console.log(JSON.stringify({ ewsUrl, settings, taskId: bound.Id.UniqueId, subject: bound.Subject,
                               status: ews.TaskStatus[bound.Status] }));
}

main().catch((err) => {
  console.log(JSON.stringify({ error: String(err && (err.message || err.Message || err)) }));
  process.exitCode = 1;
});
