# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation fragments shared by the modules and action plugins of alibabacloud.eflo."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """``alibabacloud.eflo.eflo``: authentication and connection options (plugins/module_utils/argspec.py) and the
    author; ``alibabacloud.eflo.eflo.modules``: the attributes every module of the collection shares (its action
    group)."""

    DOCUMENTATION = r"""
options:
  access_key_id:
    description:
      - The AccessKey ID used to sign requests.
      - When not set (or set to an empty string), the credential chain described in the notes is used.
      - Set it together with O(access_key_secret).
    type: str
    aliases: [alicloud_access_key]
  access_key_secret:
    description:
      - The AccessKey secret that belongs to O(access_key_id).
      - Never shown in results, warnings or errors.
    type: str
    aliases: [alicloud_secret_key]
  security_token:
    description:
      - The STS security token, when O(access_key_id) and O(access_key_secret) are temporary STS credentials.
      - Never shown in results, warnings or errors.
    type: str
    aliases: [alicloud_security_token]
  region_id:
    description:
      - The region of the Lingjun (eflo-controller) service, for example V(cn-wulanchabu).
      - When not set, the region is read from the environment variables E(ALIBABA_CLOUD_REGION_ID),
        E(ALIBABACLOUD_REGION_ID), E(ALICLOUD_REGION_ID) and E(ALICLOUD_REGION) (first one set wins), then from
        the C(region_id) of the aliyun CLI profile in use (see O(profile)).
      - Only the format is checked (lowercase letters, digits and dashes, such as V(cn-hangzhou)); the
        collection keeps no list of regions.
      - Not needed when O(endpoint) is set; then only its format is checked.
    type: str
    aliases: [alicloud_region]
  profile:
    description:
      - The name of the profile to read from the aliyun CLI configuration file C(~/.aliyun/config.json)
        or, when that file has no such profile, the section of the credentials file C(~/.alibabacloud/credentials.ini).
      - When not set, E(ALIBABA_CLOUD_PROFILE) or E(ALICLOUD_PROFILE) is used, then the C(current) profile of the
        CLI file (or the C(default) section of the ini file).
      - A profile named here that neither file has is an error.
    type: str
  assume_role:
    description:
      - Assume this RAM role with STS C(AssumeRole) on top of the credentials found by the chain, and sign
        the requests with the temporary credentials.
    type: dict
    suboptions:
      role_arn:
        description:
          - The ARN of the RAM role, such as V(acs:ram::123456789012****:role/eflo-operator).
        type: str
        required: true
      role_session_name:
        description:
          - The role session name (2 to 64 characters out of letters, digits, C(.), C(@), C(_) and C(-)).
          - A name derived from the collection is used when not set.
        type: str
      duration_seconds:
        description:
          - How long the temporary credentials are valid, in seconds (900 up to the role's maximum session duration).
          - Defaults to 3600 when not set. They are renewed automatically during long waits.
        type: int
      policy:
        description:
          - An optional session policy (a JSON document, as a string or a dictionary) that further restricts the role.
        type: raw
      external_id:
        description:
          - The external ID required by the role's trust policy, if any.
        type: str
  endpoint:
    description:
      - The eflo-controller endpoint to use instead of the one built from O(region_id) and O(network).
      - A host name (C(https://) is added) or a URL such as V(http://127.0.0.1:8080) for a local simulator.
      - When set, O(region_id) is not required.
    type: str
  network:
    description:
      - Which endpoint to use when O(endpoint) is not set.
      - V(public) uses C(eflo-controller.<region>.aliyuncs.com), V(vpc) uses C(eflo-controller-vpc.<region>.aliyuncs.com).
    type: str
    choices: [public, vpc]
    default: public
  signature_version:
    description:
      - How requests are signed.
      - V(v3) is the C(ACS3-HMAC-SHA256) signature the official SDKs use; V(v2) is the older RPC C(HMAC-SHA1) signature.
    type: str
    choices: [v3, v2]
    default: v3
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoint (and of the STS endpoint).
      - Set to V(false) only for testing.
    type: bool
    default: true
  ca_bundle:
    description:
      - A PEM file of CA certificates used to verify the endpoint instead of the system's.
    type: path
  connect_timeout:
    description:
      - Seconds to wait for a connection to the endpoint.
    type: float
    default: 5.0
  read_timeout:
    description:
      - Seconds to wait for an answer once connected.
    type: float
    default: 10.0
  retries:
    description:
      - How many times a call is retried after network errors, HTTP 5xx and 429 answers and throttling errors,
        with exponential backoff and full jitter (honouring the server's C(Retry-After)).
      - Other client errors (HTTP 4xx) are never retried.
      - Calls that change something are retried only when the request certainly did not reach the server.
      - V(0) disables retries.
    type: int
    default: 5
  sts_endpoint:
    description:
      - Advanced. The STS endpoint used for O(assume_role) and for the OIDC and RAM role profile modes, instead of
        C(https://sts.aliyuncs.com) (or the regional one named by E(ALIBABA_CLOUD_STS_REGION)).
        Mostly useful for tests against a local server.
    type: str
  metadata_endpoint:
    description:
      - Advanced. The ECS instance metadata endpoint used for the instance RAM role, instead of
        C(http://100.100.100.200). Mostly useful for tests against a local server.
      - When set, the instance RAM role is also tried (last) when no role name is given in the environment.
    type: str
notes:
  - >-
    Credentials are looked up when the module runs, in this order, and the first source that has them wins:
    the O(access_key_id)/O(access_key_secret)/O(security_token) options;
    the environment variables E(ALIBABA_CLOUD_ACCESS_KEY_ID), E(ALIBABA_CLOUD_ACCESS_KEY_SECRET) and
    E(ALIBABA_CLOUD_SECURITY_TOKEN), then E(ALIBABACLOUD_ACCESS_KEY_ID), E(ALIBABACLOUD_ACCESS_KEY_SECRET) and
    E(ALIBABACLOUD_SECURITY_TOKEN), then E(ALICLOUD_ACCESS_KEY_ID) (or E(ALICLOUD_ACCESS_KEY)),
    E(ALICLOUD_ACCESS_KEY_SECRET) (or E(ALICLOUD_SECRET_KEY), E(ALICLOUD_SECRET_ACCESS_KEY)) and E(ALICLOUD_SECURITY_TOKEN);
    the aliyun CLI profile file C(~/.aliyun/config.json) (or E(ALICLOUD_SHARED_CREDENTIALS_FILE); the profile named by
    O(profile), else E(ALIBABA_CLOUD_PROFILE) or E(ALICLOUD_PROFILE); modes C(AK),
    C(StsToken), C(RamRoleArn), C(ChainableRamRoleArn), C(EcsRamRole), C(OIDC));
    the credentials file C(~/.alibabacloud/credentials.ini) (or E(ALIBABA_CLOUD_CREDENTIALS_FILE));
    an OIDC role (E(ALIBABA_CLOUD_ROLE_ARN), E(ALIBABA_CLOUD_OIDC_PROVIDER_ARN), E(ALIBABA_CLOUD_OIDC_TOKEN_FILE));
    the RAM role of the ECS instance the module runs on, read from the instance metadata, when
    E(ALIBABA_CLOUD_ECS_METADATA) (or E(ALICLOUD_ECS_ROLE_NAME)) names the role or O(metadata_endpoint) is set.
  - >-
    The environment is read when the module runs. Environment variables and files are read on the host that
    runs the module (usually the controller, with C(delegate_to: localhost)).
  - O(assume_role) is applied on top of whichever source was found.
  - The source used is returned as C(credentials_source); no secret is ever returned, logged or shown in an error.
  - >-
    Set the credentials once for a play with
    C(module_defaults: {group/alibabacloud.eflo.eflo: {...}}).
author:
  - alibabacloud.eflo contributors (@alibabacloud)
requirements:
  - python >= 3.11
  - httpx
  - pydantic >= 2
  - jmespath
"""

    # The attributes every module of the collection shares (not the inventory plugin): extend with
    # alibabacloud.eflo.eflo.modules.
    MODULES = r"""
attributes:
  diff_mode:
    support: none
  platform:
    platforms: all
  action_group:
    description: Use C(group/alibabacloud.eflo.eflo) in C(module_defaults) to set the shared options once.
    support: full
    membership:
      - alibabacloud.eflo.eflo
"""
